// The graphile-worker baseline of bench/run: no-op jobs on the same database.
//   node noop.js migrate URL          installs graphile-worker's schema
//   node noop.js run URL N CONCURRENCY  works N queued jobs, prints {"jobs","seconds"} (first start to last finish)
const { Logger, run, runMigrations } = require("graphile-worker");

// Silent: its per-job log line would cost more than the no-op job itself.
const quiet = new Logger(() => () => {});

async function main() {
  const [mode, connectionString, n, concurrency] = process.argv.slice(2);
  if (mode === "migrate") {
    await runMigrations({ connectionString, logger: quiet });
    return;
  }
  const total = Number(n);
  let done = 0;
  let first = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const runner = await run({
    connectionString,
    concurrency: Number(concurrency),
    maxPoolSize: Number(concurrency) + 2,
    pollInterval: 100,
    noHandleSignals: true,
    logger: quiet,
    taskList: {
      noop: async () => {
        if (first === 0) first = process.hrtime.bigint();
        if (++done === total) finish(process.hrtime.bigint());
      },
    },
  });
  const last = await finished;
  await runner.stop();
  console.log(JSON.stringify({ jobs: done, seconds: Number(last - first) / 1e9 }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
