package io.evloop.bench.jmh;

import io.evloop.internal.nativeloop.LibEvloop;
import io.evloop.internal.nativeloop.NativeLibraryLoader;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One crossing from Java into the shim and back through jnr-ffi: {@code evl_libuv_version()},
 * a C function that does nearly nothing, so the score is the cost of the call itself.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NativeCallBenchmark {

    private LibEvloop lib;

    @Setup
    public void load() {
        lib = NativeLibraryLoader.library();
    }

    @Benchmark
    public int libuvVersion() {
        return lib.evl_libuv_version();
    }
}
