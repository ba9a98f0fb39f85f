/**
 * Test fixtures shared by the tests, the demo (examples/demo) and the benchmarks (bench/):
 * redis-server and cluster launchers, a latency-injecting proxy, the blocking baseline
 * client and the demo's DAG workload. Shipped as the test-jar (classifier "tests"), never in
 * the library jar.
 */
package io.evloop.testkit;
