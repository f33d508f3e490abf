#!/usr/bin/env node
/** Entry point of the `govchain` CLI (main.ts). `node start` keeps the process running. */
import { runCli } from './main.js'

process.exit(await runCli(process.argv.slice(2)))
