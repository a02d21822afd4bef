#!/usr/bin/env bash
# Usage: scripts/bench.sh   (make bench runs it inside scripts/with-services.sh)
#
# issue 13's measurement: Go benchmarks of the hot paths (-benchmem), then the load run
# (bench/load: vegeta against skygraph and the bare floor on the embedded store and on
# DynamoDB Local, interleaved rounds), then start-up time and the stripped arm64 Lambda
# bootstrap's size. Everything goes to build/bench/; the table is printed at the end and
# saved as build/bench/table.md. Knobs: BENCH_DURATION (4s), BENCH_ROUNDS (2),
# BENCH_CONNS (32), BENCH_WORKLOADS (all), BENCH_MANY (1000: the many-connections run's
# connections, 0 skips it), BENCH_MANY_DURATION (3s). (bench/load -rate N sends every server the same N req/s,
# open loop.) Only 127.0.0.1 is talked to.
set -euo pipefail
out=build/bench
mkdir -p "$out"
go=${GO:-go}
echo "== load before: $(uptime)"
echo "== Go benchmarks (in process; allocs/op and DynamoDB calls/op)"
$go test -run '^$' -bench 'BenchmarkWorkload' -benchmem -benchtime 50x ./bench/floor | tee "$out/go-bench.txt"
$go test -run '^$' -bench 'BenchmarkAuthOverhead|BenchmarkTenFlights|BenchmarkVerify|BenchmarkPolicyPerField|BenchmarkLoaderBatch' -benchmem -benchtime 1s ./app ./auth ./loaders | tee -a "$out/go-bench.txt"
echo "== start-up (server: embedded store, 30-day demo seed; Lambda bootstrap against the fake Runtime API:"
echo "   aws-like = make lambda's Lambda-only build on an existing DynamoDB Local table and cognito-local,"
echo "   embedded = the full binary's Lambda mode on the embedded store)"
$go test -run '^$' -bench 'BenchmarkStartup|BenchmarkLambdaFirstAnswer' -benchtime 3x . | tee "$out/startup.txt"
echo "== load run"
# The many-connections run holds BENCH_MANY connections open: the load generator and the
# server each need a descriptor per connection (the server also one per store connection).
# Go raises a process's soft limit to the hard one itself; raise it here too, and say so
# plainly when the hard limit is too low for the run to mean anything.
many=${BENCH_MANY:-1000}
need=$((2 * many + 512))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
	echo "WARNING: ulimit -Hn is $hard, below the $need descriptors $many connections need: the many-connections run will fail to open them all (raise the hard limit, or set BENCH_MANY lower)" >&2
fi
soft=$(ulimit -Sn)
if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
	ulimit -Sn "$hard" 2>/dev/null || echo "WARNING: could not raise ulimit -n from $soft" >&2
fi
"$out/load" -serve "$out/serve" -benchfile "$out/go-bench.txt" -workdir "$out" \
	-duration "${BENCH_DURATION:-4s}" -rounds "${BENCH_ROUNDS:-2}" -conns "${BENCH_CONNS:-32}" \
	-workloads "${BENCH_WORKLOADS:-}" -many "$many" -many-duration "${BENCH_MANY_DURATION:-3s}" | tee "$out/table.md"
echo "== load after: $(uptime)" | tee -a "$out/table.md"
size=$(stat -c %s build/lambda/bootstrap)
# build/lambda/bootstrap is `make lambda`'s (make bench depends on it): what the CDK app packages.
echo "stripped linux/arm64 Lambda bootstrap (make lambda: tags lambda.norpc skygraph_lambda): $size bytes ($((size / 1024 / 1024)) MiB)" | tee -a "$out/table.md"
grep -E '^Benchmark(Startup|LambdaFirstAnswer)' "$out/startup.txt" | tee -a "$out/table.md" || true
