#!/usr/bin/env node
// Runs a real single-node Apache Kafka broker (KRaft, broker+controller in one
// JVM) on this machine without Docker. The broker jars come from Maven Central
// through Maven and are cached outside the repository.
//
//   node tools/kafka/kafka-local.mjs start|stop|restart|status|logs|reset|help
//
// Only node: built-ins are used. Java 17+ and Maven (mvn) must be on PATH
// (or JAVA_HOME set). See `help` for the environment variables.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

const DEFAULT_KAFKA_VERSION = '4.1.2';
// Fixed cluster id (base64url of the 16 bytes "bintrail-kafka01").
const CLUSTER_ID = 'YmludHJhaWwta2Fma2EwMQ';
const HOST = '127.0.0.1';
const NODE_ID = 1;
const START_TIMEOUT_MS = Number(process.env.BINTRAIL_KAFKA_START_TIMEOUT_MS || 90_000);
const STOP_TIMEOUT_MS = 30_000;
const FAILURE_TAIL_LINES = 40;
// Pinned so that `mvn` does not resolve "latest" plugin metadata each run.
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

const SCRIPT_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(SCRIPT_DIR, '..', '..');
// A second broker (e.g. one a test stops and restarts) gets its own state folder and port.
const STATE_DIR = process.env.BINTRAIL_KAFKA_STATE_DIR
  ? path.resolve(process.env.BINTRAIL_KAFKA_STATE_DIR)
  : path.join(REPO_ROOT, 'tmp', 'kafka');
const DATA_DIR = path.join(STATE_DIR, 'data');
const LOG_DIR = path.join(STATE_DIR, 'logs');
const CONFIG_DIR = path.join(STATE_DIR, 'config');
const PID_FILE = path.join(STATE_DIR, 'kafka.pid');
const VERSION_FILE = path.join(STATE_DIR, 'data-kafka-version');
const SERVER_PROPERTIES = path.join(CONFIG_DIR, 'server.properties');
const SERVER_LOG = path.join(LOG_DIR, 'server.log');
const STDOUT_LOG = path.join(LOG_DIR, 'kafka.out');

const KAFKA_VERSION = (process.env.BINTRAIL_KAFKA_VERSION || DEFAULT_KAFKA_VERSION).trim();
const KAFKA_MAJOR = Number(KAFKA_VERSION.split('.')[0]);
const PORT = parsePort(process.env.KAFKA_PORT, 9092);
const CONTROLLER_PORT = PORT + 1;
const BROKERS = `${HOST}:${PORT}`;

const CACHE_DIR = process.env.BINTRAIL_KAFKA_CACHE
  ? path.resolve(process.env.BINTRAIL_KAFKA_CACHE)
  : path.join(
      process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
      'bintrail',
      `kafka-${KAFKA_VERSION}`,
    );
const LIBS_DIR = path.join(CACHE_DIR, 'libs');
const LIBS_MARKER = path.join(LIBS_DIR, '.complete');


// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

function parsePort(value, fallback) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65534) {
    fail(`KAFKA_PORT must be an integer between 1 and 65534, got "${value}"`);
  }
  return n;
}

/** Informational output goes to stderr so stdout carries only KAFKA_BROKERS=... */
function info(msg) {
  process.stderr.write(`[kafka-local] ${msg}\n`);
}

function fail(msg, code = 1) {
  process.stderr.write(`[kafka-local] ERROR: ${msg}\n`);
  process.exit(code);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function readPid() {
  try {
    const pid = Number(fs.readFileSync(PID_FILE, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie still answers signal 0; treat it as dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z') return false;
  } catch {
    /* no /proc (macOS): trust kill(0) */
  }
  return true;
}

/** True when pid is (probably) our broker; guards against pid reuse. */
function looksLikeOurBroker(pid) {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(SERVER_PROPERTIES);
  } catch {
    return true; // cannot tell (no /proc): assume the pid file is right
  }
}

/** Last n lines of file, reading at most the last 512 KiB after byte `from`. */
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
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n);
  } finally {
    fs.closeSync(fd);
  }
}

const fileSize = (file) => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

/** Prints where the logs are and their last lines (server.log only from `serverLogFrom`). */
function printFailureLogs(serverLogFrom = 0) {
  process.stderr.write(`\n[kafka-local] logs: ${LOG_DIR}\n`);
  for (const [file, from] of [[SERVER_LOG, serverLogFrom], [STDOUT_LOG, 0]]) {
    const lines = tailLines(file, FAILURE_TAIL_LINES, from);
    if (!lines || lines.length === 0) {
      process.stderr.write(`----- ${file}: nothing new -----\n`);
      continue;
    }
    process.stderr.write(`----- last ${lines.length} lines of ${file} -----\n`);
    process.stderr.write(lines.join('\n') + '\n');
  }
}

// ---------------------------------------------------------------------------
// Minimal Kafka wire protocol client (non-flexible request/response versions
// only): enough to probe readiness and warm up the coordinators.
// ---------------------------------------------------------------------------

const CLIENT_ID = 'bintrail-kafka-local';
let nextCorrelationId = 1;

/** Kafka STRING / nullable STRING (int16 length + utf8). */
function kString(value) {
  if (value === null) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(-1, 0);
    return b;
  }
  const s = Buffer.from(value, 'utf8');
  const b = Buffer.alloc(2 + s.length);
  b.writeInt16BE(s.length, 0);
  s.copy(b, 2);
  return b;
}
const kInt8 = (v) => Buffer.from([v & 0xff]);
const kInt32 = (v) => { const b = Buffer.alloc(4); b.writeInt32BE(v, 0); return b; };

/** Reads big-endian Kafka primitives from a response body. */
class Reader {
  constructor(buf) { this.buf = buf; this.o = 0; }
  int16() { const v = this.buf.readInt16BE(this.o); this.o += 2; return v; }
  int32() { const v = this.buf.readInt32BE(this.o); this.o += 4; return v; }
  int64() { const v = this.buf.readBigInt64BE(this.o); this.o += 8; return v; }
  string() {
    const len = this.int16();
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.o, this.o + len);
    this.o += len;
    return s;
  }
}

/**
 * Sends one request (request header v1) and resolves to a Reader positioned
 * after the response header v0, or null on connection error / timeout.
 */
function kafkaRequest(port, apiKey, apiVersion, body, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const correlationId = nextCorrelationId++;
    const header = Buffer.alloc(8);
    header.writeInt16BE(apiKey, 0);
    header.writeInt16BE(apiVersion, 2);
    header.writeInt32BE(correlationId, 4);
    const payload = Buffer.concat([header, kString(CLIENT_ID), body]);
    const frame = Buffer.concat([kInt32(payload.length), payload]);

    const socket = net.createConnection({ host: HOST, port });
    let chunks = Buffer.alloc(0);
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (data) => {
      chunks = Buffer.concat([chunks, data]);
      if (chunks.length < 4) return;
      const size = chunks.readInt32BE(0);
      if (size < 4 || size > 16 * 1024 * 1024) return finish(null);
      if (chunks.length < 4 + size) return;
      const reader = new Reader(chunks.subarray(4, 4 + size));
      finish(reader.int32() === correlationId ? reader : null);
    });
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
  });
}

/**
 * Metadata v4 (the oldest version Kafka 4.x still serves, and one every 1.0+
 * broker understands) for no topics. Resolves to { brokers, clusterId,
 * controllerId } or null.
 */
async function probeBroker(port = PORT, timeoutMs = 3000) {
  const body = Buffer.concat([kInt32(0) /* topics: [] */, kInt8(0) /* allow_auto_topic_creation */]);
  const r = await kafkaRequest(port, 3, 4, body, timeoutMs);
  if (!r) return null;
  try {
    r.int32(); // throttle_time_ms
    const brokers = [];
    for (let i = r.int32(); i > 0; i--) {
      brokers.push({ nodeId: r.int32(), host: r.string(), port: r.int32(), rack: r.string() });
    }
    const clusterId = r.string();
    const controllerId = r.int32();
    return { brokers, clusterId, controllerId };
  } catch {
    return null;
  }
}

/**
 * The first group request on a fresh broker creates __consumer_offsets and the
 * first idempotent producer waits for a producer-id block; clients then see
 * retriable COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS errors
 * (kafkajs logs them as ERROR and restarts the consumer). Do that work here so
 * tests start against a warm broker. Failures are only reported.
 */
async function warmUp(timeoutMs = 30_000) {
  const group = 'bintrail-kafka-local-warmup';
  const deadline = Date.now() + timeoutMs;
  const untilOk = async (name, send) => {
    let last = 'no answer';
    while (Date.now() < deadline) {
      const code = await send();
      if (code === 0) return true;
      last = code === null ? 'no answer' : `error code ${code}`;
      await sleep(300);
    }
    info(`warm-up: ${name} not ready (${last}); clients may see retriable errors at first`);
    return false;
  };
  // FindCoordinator v1: key, key_type(0 = group) -> throttle, error_code, ...
  const coordinatorReady = await untilOk('group coordinator', async () => {
    const r = await kafkaRequest(PORT, 10, 1, Buffer.concat([kString(group), kInt8(0)]));
    if (!r) return null;
    r.int32();
    return r.int16();
  });
  // OffsetFetch v2: group_id, topics(null = all) -> topics[], error_code.
  // Answers COORDINATOR_LOAD_IN_PROGRESS until __consumer_offsets is loaded.
  if (coordinatorReady) {
    await untilOk('__consumer_offsets', async () => {
      const r = await kafkaRequest(PORT, 9, 2, Buffer.concat([kString(group), kInt32(-1)]));
      if (!r) return null;
      for (let t = r.int32(); t > 0; t--) {
        r.string();
        for (let p = r.int32(); p > 0; p--) {
          r.int32();
          r.int64();
          r.string();
          r.int16();
        }
      }
      return r.int16();
    });
  }
  // InitProducerId v1: transactional_id(null), transaction_timeout_ms
  //   -> throttle, error_code, producer_id, producer_epoch.
  await untilOk('producer ids', async () => {
    const r = await kafkaRequest(PORT, 22, 1, Buffer.concat([kString(null), kInt32(60_000)]));
    if (!r) return null;
    r.int32();
    return r.int16();
  });
}

const isReady = (meta) => Boolean(meta && meta.brokers.length > 0 && meta.controllerId >= 0);

/** True when something accepts TCP connections on the port. */
function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: HOST, port });
    const done = (v) => { socket.destroy(); resolve(v); };
    socket.setTimeout(1000, () => done(false));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------
// Jars: fetched from Maven Central with `mvn dependency:copy-dependencies`
// ---------------------------------------------------------------------------

function pomXml(artifactId, deps) {
  const lines = deps
    .map(
      ([g, a, v]) =>
        `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by tools/kafka/kafka-local.mjs -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.bintrail</groupId>
  <artifactId>${artifactId}</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${lines}
  </dependencies>
</project>
`;
}

/** Runs `mvn copy-dependencies` for a generated pom; exits on failure. */
function mavenCopy(dir, artifactId, deps, outputDir, extraArgs = []) {
  fs.mkdirSync(dir, { recursive: true });
  const pom = path.join(dir, 'pom.xml');
  fs.writeFileSync(pom, pomXml(artifactId, deps));
  const mvn = process.env.BINTRAIL_MVN || 'mvn';
  const res = spawnSync(
    mvn,
    [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      pom,
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${outputDir}`,
      ...extraArgs,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (res.error || res.status !== 0) {
    process.stderr.write(`${res.stdout || ''}${res.stderr || ''}`);
    fs.rmSync(outputDir, { recursive: true, force: true });
    if (res.error?.code === 'ENOENT') {
      fail(`"${mvn}" not found. Install Maven (e.g. apt-get install -y maven) and Java 17+.`);
    }
    fail(`Maven failed (${res.error ? res.error.message : `exit ${res.status}`}) resolving ${deps.map((d) => d.join(':')).join(', ')}`);
  }
}

const jarVersion = (jars, artifact) => {
  const re = new RegExp(`^${artifact.replace(/[.]/g, '\\.')}-(\\d[^-]*(?:-[^.]*)?)\\.jar$`);
  for (const j of jars) {
    const m = re.exec(j);
    if (m) return m[1];
  }
  return null;
};

/**
 * The published kafka_2.13 pom brings slf4j-api (and, from 4.0, log4j-api and
 * log4j-core) but no SLF4J binding: the release tarball adds that itself. Pick
 * the binding that matches what Maven resolved.
 */
function loggingBinding(jars) {
  const has = (prefix) => jars.some((j) => j.startsWith(prefix));
  if (has('log4j-slf4j') || has('slf4j-reload4j') || has('slf4j-log4j12') || has('logback-classic')) return [];
  const slf4j = jarVersion(jars, 'slf4j-api') || '1.7.36';
  const log4j2 = jarVersion(jars, 'log4j-core');
  if (log4j2) {
    // Kafka 4.x: log4j2, bound to SLF4J 1.x or 2.x depending on slf4j-api.
    const binding = slf4j.startsWith('1.') ? 'log4j-slf4j-impl' : 'log4j-slf4j2-impl';
    return [['org.apache.logging.log4j', binding, log4j2]];
  }
  // Kafka 3.x: reload4j (log4j 1.x API, also used directly by the broker).
  return [
    ['ch.qos.reload4j', 'reload4j', '1.2.25'],
    ['org.slf4j', 'slf4j-reload4j', slf4j],
  ];
}

function ensureJars() {
  if (fs.existsSync(LIBS_MARKER)) return;
  info(`downloading Kafka ${KAFKA_VERSION} jars with Maven into ${CACHE_DIR} (one time)...`);
  const started = Date.now();
  const tmpLibs = path.join(CACHE_DIR, `libs.tmp-${process.pid}`);
  fs.rmSync(tmpLibs, { recursive: true, force: true });
  mavenCopy(CACHE_DIR, 'kafka-local-runtime', [['org.apache.kafka', 'kafka_2.13', KAFKA_VERSION]], tmpLibs);
  let jars = fs.readdirSync(tmpLibs).filter((f) => f.endsWith('.jar'));
  if (!jars.includes(`kafka_2.13-${KAFKA_VERSION}.jar`)) {
    fail(`Maven finished but kafka_2.13-${KAFKA_VERSION}.jar is missing in ${tmpLibs}`);
  }
  const binding = loggingBinding(jars);
  if (binding.length) {
    info(`adding logging binding ${binding.map((d) => d.join(':')).join(', ')}`);
    mavenCopy(path.join(CACHE_DIR, 'logging'), 'kafka-local-logging', binding, tmpLibs, ['-DexcludeTransitive=true']);
    jars = fs.readdirSync(tmpLibs).filter((f) => f.endsWith('.jar'));
  }
  fs.writeFileSync(path.join(tmpLibs, '.complete'), jars.sort().join('\n') + '\n');
  fs.rmSync(LIBS_DIR, { recursive: true, force: true });
  fs.renameSync(tmpLibs, LIBS_DIR);
  info(`fetched ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** log4j2 when log4j-core is on the class path (Kafka 4.x), else log4j 1.x/reload4j. */
function usesLog4j2() {
  try {
    return fs.readdirSync(LIBS_DIR).some((f) => f.startsWith('log4j-core-'));
  } catch {
    return KAFKA_MAJOR >= 4;
  }
}
const logConfigFile = () => path.join(CONFIG_DIR, usesLog4j2() ? 'log4j2.properties' : 'log4j.properties');

// ---------------------------------------------------------------------------
// Java
// ---------------------------------------------------------------------------

function javaBin() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function checkJava() {
  const res = spawnSync(javaBin(), ['-version'], { encoding: 'utf8' });
  if (res.error) {
    fail(`Java not found (${javaBin()}). Install a JDK/JRE 17+ (e.g. apt-get install -y openjdk-17-jre-headless).`);
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${res.stderr}${res.stdout}`);
  if (m) {
    const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
    const needed = KAFKA_MAJOR >= 4 ? 17 : 11;
    if (major < needed) fail(`Kafka ${KAFKA_VERSION} needs Java ${needed}+, found Java ${major}`);
  }
}

function javaArgs(mainClass, extra) {
  const heap = (process.env.KAFKA_HEAP_OPTS || '-Xms256m -Xmx1g').split(/\s+/).filter(Boolean);
  const logOpts = usesLog4j2()
    ? [`-Dlog4j2.configurationFile=${logConfigFile()}`]
    : [`-Dlog4j.configuration=file:${logConfigFile()}`];
  return [
    ...heap,
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${LOG_DIR}`,
    ...logOpts,
    '-cp',
    `${LIBS_DIR}${path.sep}*`,
    mainClass,
    ...extra,
  ];
}

// ---------------------------------------------------------------------------
// Config files + storage format
// ---------------------------------------------------------------------------

function serverProperties() {
  return `# Generated by tools/kafka/kafka-local.mjs on every start; edits are overwritten.
process.roles=broker,controller
node.id=${NODE_ID}
controller.quorum.voters=${NODE_ID}@${HOST}:${CONTROLLER_PORT}
listeners=PLAINTEXT://${HOST}:${PORT},CONTROLLER://${HOST}:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${HOST}:${PORT}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=${DATA_DIR}
num.partitions=1
auto.create.topics.enable=false
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.cleaner.dedupe.buffer.size=16777216
`;
}

function log4j2Properties() {
  return `# Generated by tools/kafka/kafka-local.mjs
status = warn
name = bintrail-kafka-local
appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = \${sys:kafka.logs.dir}/server.log
appender.server.filePattern = \${sys:kafka.logs.dir}/server.log.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 20MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server
logger.requestlogger.name = kafka.request.logger
logger.requestlogger.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = INFO
`;
}

function log4jProperties() {
  return `# Generated by tools/kafka/kafka-local.mjs
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=\${kafka.logs.dir}/server.log
log4j.appender.server.MaxFileSize=20MB
log4j.appender.server.MaxBackupIndex=3
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
`;
}

function writeConfigs() {
  for (const dir of [DATA_DIR, LOG_DIR, CONFIG_DIR]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(SERVER_PROPERTIES, serverProperties());
  fs.writeFileSync(logConfigFile(), usesLog4j2() ? log4j2Properties() : log4jProperties());
}

function ensureFormatted() {
  const meta = path.join(DATA_DIR, 'meta.properties');
  if (fs.existsSync(meta)) {
    let formattedWith = null;
    try {
      formattedWith = fs.readFileSync(VERSION_FILE, 'utf8').trim();
    } catch {
      /* unknown */
    }
    const minor = (v) => v.split('.').slice(0, 2).join('.');
    if (formattedWith && minor(formattedWith) !== minor(KAFKA_VERSION)) {
      info(
        `note: ${DATA_DIR} was formatted by Kafka ${formattedWith}, now running ${KAFKA_VERSION}. ` +
          `If the broker refuses to start, run "reset" to wipe the local data.`,
      );
    }
    return;
  }
  info(`formatting KRaft storage in ${DATA_DIR} (cluster id ${CLUSTER_ID})`);
  const serverLogFrom = fileSize(SERVER_LOG);
  const res = spawnSync(
    javaBin(),
    javaArgs('kafka.tools.StorageTool', [
      'format',
      '--cluster-id',
      CLUSTER_ID,
      '--config',
      SERVER_PROPERTIES,
      '--ignore-formatted',
    ]),
    { encoding: 'utf8' },
  );
  if (res.status !== 0) {
    process.stderr.write(`${res.stdout || ''}${res.stderr || ''}`);
    printFailureLogs(serverLogFrom);
    fail(`kafka.tools.StorageTool format failed (exit ${res.status})`);
  }
  fs.writeFileSync(VERSION_FILE, `${KAFKA_VERSION}\n`);
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

function announceReady() {
  process.stdout.write(`KAFKA_BROKERS=${BROKERS}\n`);
}

async function waitUntilReady(pid, exited) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited && exited.code !== undefined) return { ok: false, reason: `java exited with ${exited.code}` };
    if (!exited && !isAlive(pid)) return { ok: false, reason: 'the broker process died' };
    if (isReady(await probeBroker(PORT, 2000))) return { ok: true };
    await sleep(500);
  }
  return { ok: false, reason: `no Metadata answer on ${BROKERS} within ${START_TIMEOUT_MS / 1000} s` };
}

async function start() {
  const existing = readPid();
  if (existing && isAlive(existing) && looksLikeOurBroker(existing)) {
    if (isReady(await probeBroker())) {
      info(`already running (pid ${existing}) on ${BROKERS}`);
      announceReady();
      return 0;
    }
    info(`broker process ${existing} exists but is not answering yet; waiting...`);
    const res = await waitUntilReady(existing, null);
    if (res.ok) {
      info(`already running (pid ${existing}) on ${BROKERS}`);
      announceReady();
      return 0;
    }
    printFailureLogs();
    fail(`broker pid ${existing} is not answering: ${res.reason}. Try "restart".`);
  }
  if (existing) fs.rmSync(PID_FILE, { force: true }); // stale

  if (isReady(await probeBroker())) {
    info(`already running: a Kafka broker answers on ${BROKERS} (not started by this script, no pid file)`);
    announceReady();
    return 0;
  }
  for (const p of [PORT, CONTROLLER_PORT]) {
    if (await portInUse(p)) fail(`port ${HOST}:${p} is in use by something that is not this Kafka broker (set KAFKA_PORT)`);
  }

  checkJava();
  ensureJars();
  writeConfigs();
  ensureFormatted();

  const startedAt = Date.now();
  const serverLogFrom = fileSize(SERVER_LOG);
  const out = fs.openSync(STDOUT_LOG, 'w');
  const child = spawn(javaBin(), javaArgs('kafka.Kafka', [SERVER_PROPERTIES]), {
    cwd: STATE_DIR,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = {};
  child.on('exit', (code, signal) => {
    exited.code = code ?? signal;
  });
  child.on('error', (err) => {
    exited.code = err.message;
  });
  if (!child.pid) {
    await sleep(100);
    fail(`could not start java: ${exited.code}`);
  }
  fs.writeFileSync(PID_FILE, `${child.pid}\n`);
  child.unref();
  info(`starting Kafka ${KAFKA_VERSION} (pid ${child.pid}), logs in ${LOG_DIR}`);

  const res = await waitUntilReady(child.pid, exited);
  if (!res.ok) {
    printFailureLogs(serverLogFrom);
    if (isAlive(child.pid)) await stopPid(child.pid, { quiet: true });
    fs.rmSync(PID_FILE, { force: true });
    fail(`Kafka did not become ready: ${res.reason}`);
  }
  info(`answering after ${((Date.now() - startedAt) / 1000).toFixed(1)} s; warming up coordinators`);
  await warmUp();
  info(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  announceReady();
  return 0;
}

async function stopPid(pid, { quiet = false } = {}) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(250);
  }
  if (!quiet) info(`pid ${pid} still alive after ${STOP_TIMEOUT_MS / 1000} s, sending SIGKILL`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 40 && isAlive(pid); i++) await sleep(250);
}

async function stop() {
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

async function status() {
  const pid = readPid();
  const alive = pid && isAlive(pid) && looksLikeOurBroker(pid);
  const meta = await probeBroker();
  if (alive && isReady(meta)) {
    console.log(`running (pid ${pid}, Kafka ${KAFKA_VERSION}) on ${BROKERS}, cluster id ${meta.clusterId}`);
    return 0;
  }
  if (alive) {
    console.log(`not running: pid ${pid} is alive but ${BROKERS} does not answer yet (starting or stuck)`);
    return 1;
  }
  if (isReady(meta)) {
    console.log(`running on ${BROKERS} (cluster id ${meta.clusterId}), but not started by this script`);
    return 0;
  }
  console.log('not running');
  return 1;
}

async function logs(args) {
  let n = 100;
  let follow = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-f' || args[i] === '--follow') follow = true;
    else if (args[i] === '-n' || args[i] === '--lines') n = Number(args[++i]) || n;
  }
  const lines = tailLines(SERVER_LOG, n);
  if (lines === null) {
    info(`no log yet at ${SERVER_LOG}`);
    if (!follow) return 1;
  } else if (lines.length) {
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (!follow) return 0;
  let pos = fs.existsSync(SERVER_LOG) ? fs.statSync(SERVER_LOG).size : 0;
  // Poll: works across log rotation and on every platform.
  for (;;) {
    await sleep(500);
    let size;
    try {
      size = fs.statSync(SERVER_LOG).size;
    } catch {
      continue;
    }
    if (size < pos) pos = 0; // rotated or truncated
    if (size > pos) {
      const fd = fs.openSync(SERVER_LOG, 'r');
      const buf = Buffer.alloc(size - pos);
      fs.readSync(fd, buf, 0, buf.length, pos);
      fs.closeSync(fd);
      process.stdout.write(buf);
      pos = size;
    }
  }
}

async function reset() {
  await stop();
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  fs.rmSync(VERSION_FILE, { force: true });
  info(`removed ${DATA_DIR}`);
  return 0;
}

function help() {
  console.log(`Usage: node tools/kafka/kafka-local.mjs <command>

Commands:
  start      start a single-node KRaft Kafka broker (idempotent); prints KAFKA_BROKERS=host:port
  stop       stop it (SIGTERM, SIGKILL after ${STOP_TIMEOUT_MS / 1000} s)
  restart    stop, then start (data is kept)
  status     print whether it runs; exit 0 when it answers, 1 otherwise
  logs       print the end of the broker log   [-n LINES] [-f]
  reset      stop and delete the local data (topics, offsets)

State:   ${STATE_DIR}  (data/, logs/, config/, kafka.pid)
Jars:    ${LIBS_DIR}

Environment:
  KAFKA_PORT                  broker port (default 9092); the controller uses port+1
  BINTRAIL_KAFKA_VERSION      org.apache.kafka:kafka_2.13 version (default ${DEFAULT_KAFKA_VERSION})
  BINTRAIL_KAFKA_CACHE        jar cache folder (default \${XDG_CACHE_HOME:-~/.cache}/bintrail/kafka-<version>)
  BINTRAIL_KAFKA_START_TIMEOUT_MS  readiness timeout (default 90000)
  KAFKA_HEAP_OPTS             JVM heap flags (default "-Xms256m -Xmx1g")
  JAVA_HOME                   Java 17+ to use (default: java on PATH)
  BINTRAIL_MVN                Maven command (default: mvn)`);
  return 0;
}

const commands = {
  start,
  stop,
  restart: async () => {
    await stop();
    return start();
  },
  status,
  logs,
  reset,
  help,
  '--help': help,
  '-h': help,
};

const [command = 'help', ...rest] = process.argv.slice(2);
const run = commands[command];
if (!run) {
  help();
  fail(`unknown command "${command}"`, 2);
}
process.exitCode = await run(rest);
