// Where the local broker lives and listens, and how the script talks: every other part reads these.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAFKA_VERSION = '4.1.2';
export const HOST = '127.0.0.1';
export const PORT = parsePort(process.env.KAFKA_PORT, 9092);
export const CONTROLLER_PORT = PORT + 1;
export const BROKERS = `${HOST}:${PORT}`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// A second broker (e.g. one a test stops and restarts) gets its own state folder and port.
export const STATE_DIR = process.env.BINTRAIL_KAFKA_STATE_DIR
  ? path.resolve(process.env.BINTRAIL_KAFKA_STATE_DIR)
  : path.join(REPO_ROOT, 'tmp', 'kafka');
export const DATA_DIR = path.join(STATE_DIR, 'data');
export const LOG_DIR = path.join(STATE_DIR, 'logs');
export const CONFIG_DIR = path.join(STATE_DIR, 'config');
export const PID_FILE = path.join(STATE_DIR, 'kafka.pid');
export const SERVER_PROPERTIES = path.join(CONFIG_DIR, 'server.properties');
export const LOG4J2_PROPERTIES = path.join(CONFIG_DIR, 'log4j2.properties');
export const SERVER_LOG = path.join(LOG_DIR, 'server.log');
export const STDOUT_LOG = path.join(LOG_DIR, 'kafka.out');

/** The jars, shared by every checkout and state folder: ~/.cache/bintrail/kafka-<version>. */
export const CACHE_DIR = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'bintrail', `kafka-${KAFKA_VERSION}`);
export const LIBS_DIR = path.join(CACHE_DIR, 'libs');

function parsePort(value, fallback) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65534) fail(`KAFKA_PORT must be an integer between 1 and 65534, got "${value}"`);
  return n;
}

/** Progress goes to stderr: stdout carries only the KAFKA_BROKERS=... line (and status/logs output). */
export function info(message) {
  process.stderr.write(`[kafka-local] ${message}\n`);
}

export function fail(message, code = 1) {
  process.stderr.write(`[kafka-local] ERROR: ${message}\n`);
  process.exit(code);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
