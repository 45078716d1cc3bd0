import { describeEventStoreContract } from '../testing';

// Needs a KurrentDB / EventStoreDB server (no container is started here), e.g.
//   docker run -p 2113:2113 docker.kurrent.io/kurrent-latest/kurrentdb --insecure
//   EVENTSTORE_URL='kurrentdb://127.0.0.1:2113?tls=false' npm test -- libs/event-store/src/kurrentdb
const url = process.env.EVENTSTORE_URL;
const notRun = 'KurrentDB contract suite NOT RUN: set EVENTSTORE_URL (e.g. kurrentdb://127.0.0.1:2113?tls=false) to run it';

if (url) {
  describeEventStoreContract('KurrentDB', {
    // Loaded lazily so a skipped run does not load the client's native bridge.
    open: async () => (await import('./kurrentdb-event-store')).KurrentDbEventStore.connect(url, { source: 'contract-test', idlePollMs: 25 }),
  });
} else {
  process.stderr.write(`${notRun}\n`);
  describe.skip(notRun, () => {
    it('runs the EventStore contract suite against KurrentDB', () => undefined);
  });
}
