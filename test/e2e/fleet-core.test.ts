import { fleetSuite } from "./fleet-suite";

/** The fleet e2e over a third-party relay installed from npm: @nostr-relay/core (test/relays/core-relay-main.ts). */
fleetSuite("nostr-relay-core");
