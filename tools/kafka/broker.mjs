// start / stop / status / logs: the broker is a detached java process whose pid sits in <state>/kafka.pid.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { checkJava, ensureFormatted, javaArgs, javaBin, writeConfigs } from './config.mjs';
import { ensureJars } from './jars.mjs';
import { describeBroker, waitUntilReady, warmUp } from './readiness.mjs';
import {
  BROKERS, CONTROLLER_PORT, HOST, KAFKA_VERSION, LOG_DIR, PID_FILE, PORT, SERVER_LOG, SERVER_PROPERTIES, STATE_DIR, STDOUT_LOG, fail, info, sleep,
} from './settings.mjs';

const STOP_TIMEOUT_MS = 30_000;

/** The line callers parse (libs/testing/src/kafka.ts, bench/relay). */
function announceReady() {
  process.stdout.write(`KAFKA_BROKERS=${BROKERS}\n`);
  return 0;
}

export async function start() {
  const pid = readPid();
  if (pid && isAlive(pid) && looksLikeOurBroker(pid)) {
    if (!(await describeBroker())) {
      info(`broker process ${pid} exists but is not answering yet; waiting...`);
      const res = await waitUntilReady(() => (isAlive(pid) ? null : 'the broker process died'));
      if (!res.ok) {
        printFailureLogs();
        fail(`broker pid ${pid} is not answering: ${res.reason}. Run "stop", then "start".`);
      }
    }
    info(`already running (pid ${pid}) on ${BROKERS}`);
    return announceReady();
  }
  fs.rmSync(PID_FILE, { force: true }); // none, or stale
  if (await describeBroker()) {
    info(`already running: a Kafka broker answers on ${BROKERS} (not started by this script, no pid file)`);
    return announceReady();
  }
  for (const port of [PORT, CONTROLLER_PORT]) {
    if (await portInUse(port)) fail(`port ${HOST}:${port} is in use by something that is not this Kafka broker (set KAFKA_PORT)`);
  }

  checkJava();
  ensureJars();
  writeConfigs();
  ensureFormatted();

  const startedAt = Date.now();
  const serverLogFrom = fileSize(SERVER_LOG);
  const out = fs.openSync(STDOUT_LOG, 'w');
  const child = spawn(javaBin(), javaArgs('kafka.Kafka', [SERVER_PROPERTIES]), { cwd: STATE_DIR, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = `java exited with ${code ?? signal}`));
  child.on('error', (error) => (exited = `could not start java: ${error.message}`));
  if (!child.pid) {
    await sleep(100);
    fail(exited ?? 'could not start java');
  }
  fs.writeFileSync(PID_FILE, `${child.pid}\n`);
  child.unref();
  info(`starting Kafka ${KAFKA_VERSION} (pid ${child.pid}), logs in ${LOG_DIR}`);

  const res = await waitUntilReady(() => exited);
  if (!res.ok) {
    printFailureLogs(serverLogFrom);
    if (isAlive(child.pid)) await stopPid(child.pid);
    fs.rmSync(PID_FILE, { force: true });
    fail(`Kafka did not become ready: ${res.reason}`);
  }
  info(`answering after ${((Date.now() - startedAt) / 1000).toFixed(1)} s; warming up coordinators`);
  await warmUp();
  info(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return announceReady();
}

/** Stops the broker of this state folder only (its pid file, checked against the process's command line). */
export async function stop() {
  const pid = readPid();
  if (!pid || !isAlive(pid)) {
    fs.rmSync(PID_FILE, { force: true });
    info('not running');
    return 0;
  }
  if (!looksLikeOurBroker(pid)) {
    fs.rmSync(PID_FILE, { force: true });
    info(`pid ${pid} from ${PID_FILE} is not this Kafka broker; removed the stale pid file`);
    return 0;
  }
  info(`stopping Kafka (pid ${pid})...`);
  await stopPid(pid);
  if (isAlive(pid)) fail(`could not stop pid ${pid}`);
  fs.rmSync(PID_FILE, { force: true });
  info('stopped');
  return 0;
}

/** Exit status 0 when a broker answers on the port, 1 otherwise. */
export async function status() {
  const pid = readPid();
  const ours = pid && isAlive(pid) && looksLikeOurBroker(pid);
  const cluster = await describeBroker();
  let line = 'not running';
  if (ours && cluster) line = `running (pid ${pid}, Kafka ${KAFKA_VERSION}) on ${BROKERS}, cluster id ${cluster.clusterId}`;
  else if (ours) line = `not running: pid ${pid} is alive but ${BROKERS} does not answer yet (starting or stuck)`;
  else if (cluster) line = `running on ${BROKERS} (cluster id ${cluster.clusterId}), but not started by this script`;
  process.stdout.write(`${line}\n`);
  return cluster ? 0 : 1;
}

/** The end of the broker's log: `logs [-n LINES]` (default 100). */
export async function logs(args) {
  const i = args.findIndex((a) => a === '-n' || a === '--lines');
  const lines = tailLines(SERVER_LOG, (i >= 0 && Number(args[i + 1])) || 100);
  if (lines === null) {
    info(`no log yet at ${SERVER_LOG}`);
    return 1;
  }
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

function readPid() {
  try {
    const pid = Number(fs.readFileSync(PID_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  // A zombie still answers signal 0; treat it as dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/** True when pid is this state folder's broker: guards against pid reuse and against other brokers. */
function looksLikeOurBroker(pid) {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(SERVER_PROPERTIES);
  } catch {
    return true; // cannot tell (no /proc): trust the pid file
  }
}

/** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. */
async function stopPid(pid) {
  const signal = (name) => {
    try {
      process.kill(pid, name);
      return true;
    } catch {
      return false;
    }
  };
  if (!signal('SIGTERM')) return;
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(250);
  if (!isAlive(pid)) return;
  info(`pid ${pid} still alive after ${STOP_TIMEOUT_MS / 1000} s, sending SIGKILL`);
  if (!signal('SIGKILL')) return;
  for (let i = 0; i < 40 && isAlive(pid); i++) await sleep(250);
}

/** True when something accepts TCP connections on the port. */
function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: HOST, port });
    const done = (inUse) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Last n lines of a file, reading at most its last 512 KiB after byte `from`; null when it does not exist. */
function tailLines(file, n, from = 0) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const { size } = fs.fstatSync(fd);
    const begin = Math.max(from > size ? 0 : from, size - 512 * 1024);
    const buf = Buffer.alloc(size - begin);
    fs.readSync(fd, buf, 0, buf.length, begin);
    const lines = buf.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Where the logs are and their last lines (server.log only from `serverLogFrom`: this start's part). */
function printFailureLogs(serverLogFrom = 0) {
  process.stderr.write(`\n[kafka-local] logs: ${LOG_DIR}\n`);
  for (const [file, from] of [[SERVER_LOG, serverLogFrom], [STDOUT_LOG, 0]]) {
    const lines = tailLines(file, 40, from);
    if (!lines?.length) process.stderr.write(`----- ${file}: nothing new -----\n`);
    else process.stderr.write(`----- last ${lines.length} lines of ${file} -----\n${lines.join('\n')}\n`);
  }
}
