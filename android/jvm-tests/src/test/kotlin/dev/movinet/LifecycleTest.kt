package dev.movinet

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

/**
 * Create / classify / close, many times over: the process's resident memory stays flat.
 *
 * The bound: one leaked classifier would keep its model (3.3 MB of A0 weights, copied into
 * native memory) and two sets of stream state (2 x 2.7 MB), about 8.7 MB per cycle, i.e.
 * gigabytes over 500 cycles; even a leak of 32 KB per cycle (a labels table is 9 KB) would
 * pass 16 MB. Below 16 MB is allocator and JIT noise. The JVM heap is fixed and pre-touched
 * (see pom.xml's argLine) so its growth does not count.
 *
 * The frames' direct buffers are made once and reused, as a camera reuses its buffer pool: a
 * fresh `allocateDirect` per frame is only freed when the GC gets round to its owner, which
 * with this little garbage can be hundreds of MB later and would measure the test, not the
 * library.
 */
class LifecycleTest {
    private fun rssKb(): Long =
        File("/proc/self/status").readLines().first { it.startsWith("VmRSS:") }
            .removePrefix("VmRSS:").trim().removeSuffix("kB").trim().toLong()

    private fun cycle(frames: List<Frame>) {
        MovinetClassifier.create(TestData.a0, MovinetOptions(modelFps = null), TestData.kineticsLabels).use { c ->
            for (frame in frames) {
                val p = c.classify(frame)
                check(p != null && p.categories.size == 3)
            }
        }
    }

    @Test
    fun fiveHundredCyclesLeaveResidentMemoryFlat() {
        val cycles = System.getProperty("movinet.rss.cycles")?.toIntOrNull() ?: 500
        val clip = TestData.carvingIce
        val frames = listOf(
            Yuv.nv21(Yuv.fromRgb(clip.rgb(0), clip.width, clip.height)),
            Yuv.yuv420888(Yuv.fromRgb(clip.rgb(1), clip.width, clip.height), rowStride = 192),
        )
        repeat(20) { cycle(frames) } // warm-up: JIT, allocator arenas, LiteRT's one-time set-up
        System.gc()
        val before = rssKb()
        val start = System.nanoTime()
        repeat(cycles) { cycle(frames) }
        val seconds = (System.nanoTime() - start) / 1e9
        System.gc()
        val after = rssKb()
        val growthMb = (after - before) / 1024.0
        println(
            "[rss] VmRSS after warm-up: ${before / 1024.0} MB; after $cycles create/classify/close cycles: " +
                "${after / 1024.0} MB; growth ${"%.1f".format(growthMb)} MB (${"%.1f".format(seconds)} s, " +
                "${"%.1f".format(seconds * 1000 / cycles)} ms per cycle)",
        )
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList(), "[models, classifiers] still open")
        assertTrue(growthMb < 16.0, "resident memory grew by $growthMb MB over $cycles cycles")
    }
}
