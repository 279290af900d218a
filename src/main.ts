import { runMain } from "./cli";

await runMain();
