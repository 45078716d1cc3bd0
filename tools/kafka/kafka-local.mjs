#!/usr/bin/env node
// A real single-node Apache Kafka 4.1.2 broker (KRaft: broker and controller in one JVM) on this
// machine, without Docker: `npm run kafka:local -- start|stop|status|logs [-n LINES]`.
//
//   settings.mjs   port (KAFKA_PORT, default 9092; controller on port+1), state folder
//                  (BINTRAIL_KAFKA_STATE_DIR, default tmp/kafka), jar cache (~/.cache/bintrail)
//   jars.mjs       Kafka's jars from Maven Central through `mvn`, fetched once
//   config.mjs     server.properties, log4j2, KRaft storage format, the java command line (JAVA_HOME)
//   broker.mjs     start / stop / status / logs of the java process (pid file in the state folder)
//   readiness.mjs  answering and warm, asked with kafkajs
//
// `start` is idempotent, prints `KAFKA_BROKERS=host:port` on stdout when the broker answers, and says
// "already running" on stderr when it did not start it. `stop` stops only this state folder's broker.
import { logs, start, status, stop } from './broker.mjs';

const commands = { start, stop, status, logs };
const [command, ...args] = process.argv.slice(2);
if (!Object.hasOwn(commands, command ?? '')) {
  process.stderr.write(
    'Usage: npm run kafka:local -- start|stop|status|logs [-n LINES]\n' +
      '  env: KAFKA_PORT (default 9092), BINTRAIL_KAFKA_STATE_DIR (default tmp/kafka), JAVA_HOME (Java 17+); needs mvn on PATH\n',
  );
  process.exit(2);
}
process.exitCode = await commands[command](args);
