import { fleetSuite } from "./fleet-suite";

/** The fleet e2e over our own relay (`bun run relay`). */
fleetSuite("hashscope");
