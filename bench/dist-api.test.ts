/**
 * Not a test suite: a compile-time check, seen only by `tsc -p tsconfig.test.json` (the build
 * config skips *.test.ts, vitest does not look in bench/). It fails to type-check when src/
 * changes a surface that bench/dist.ts describes, instead of the bench failing at run time.
 */

import type * as config from "../src/config.js";
import type * as context from "../src/context.js";
import type * as similar from "../src/memory/similar.js";
import type * as store from "../src/memory/store.js";
import type * as routeTask from "../src/routing/route-task.js";
import type * as deny from "../src/runners/deny.js";
import type * as server from "../src/server.js";
import type * as digest from "../src/squad/digest/index.js";
import type * as squad from "../src/squad/run-squad.js";
import type {
  ConfigModule,
  ContextModule,
  DenyModule,
  DigestModule,
  RouteTaskModule,
  ServerModule,
  SimilarModule,
  SquadModule,
  StoreModule,
} from "./dist.js";

type Provides<Actual extends Expected, Expected> = [Actual, Expected];

export type DistMatchesSrc = [
  Provides<typeof store, StoreModule>,
  Provides<typeof similar, SimilarModule>,
  Provides<typeof context, ContextModule>,
  Provides<typeof routeTask, RouteTaskModule>,
  Provides<typeof server, ServerModule>,
  Provides<typeof squad, SquadModule>,
  Provides<typeof deny, DenyModule>,
  Provides<typeof config, ConfigModule>,
  Provides<typeof digest, DigestModule>,
];
