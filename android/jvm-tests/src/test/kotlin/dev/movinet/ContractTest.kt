package dev.movinet

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The one contract across Rust, Kotlin, Swift and Python, on the Kotlin side: every error kind
 * the core lists arrives as its own [MovinetException] subclass, and every default is the
 * core's.
 */
class ContractTest {
    /** The Kotlin class of each kind the core lists, as the JNI library throws it. */
    @Test
    fun everyCoreErrorKindHasItsExceptionClass() {
        NativeLibrary.ensureLoaded()
        val kinds = NativeBridge.errorKinds().toList()
        assertEquals(
            listOf(
                "ModelNotFound", "Io", "InvalidModel", "ModelDigestMismatch", "InvalidLabels",
                "InvalidFrame", "InvalidOption", "Runtime", "Closed", "InvalidActionSet",
            ),
            kinds,
        )
        val thrown = kinds.associateWith { kind ->
            val e = try {
                NativeBridge.throwErrorKind(kind, "a $kind error")
                null
            } catch (e: MovinetException) {
                e
            }
            checkNotNull(e) { "$kind threw nothing" }
            assertEquals(kind, e.kind)
            assertEquals("a $kind error", e.message)
            e::class.java
        }
        val expected = mapOf(
            "ModelNotFound" to ModelNotFoundException::class.java,
            "Io" to IoException::class.java,
            "InvalidModel" to InvalidModelException::class.java,
            "ModelDigestMismatch" to ModelDigestMismatchException::class.java,
            "InvalidLabels" to InvalidLabelsException::class.java,
            "InvalidFrame" to InvalidFrameException::class.java,
            "InvalidOption" to InvalidOptionException::class.java,
            "Runtime" to LiteRtException::class.java,
            "Closed" to ClosedException::class.java,
            "InvalidActionSet" to InvalidActionSetException::class.java,
        )
        for ((kind, cls) in thrown) assertSame(expected[kind], cls, kind)
        // One class per kind, all unchecked movinet errors.
        assertEquals(kinds.size, thrown.values.toSet().size)
        for (cls in thrown.values) {
            assertTrue(MovinetException::class.java.isAssignableFrom(cls))
            assertTrue(java.lang.RuntimeException::class.java.isAssignableFrom(cls))
        }
    }

    @Test
    fun theDefaultsAreTheCores() {
        val o = MovinetOptions()
        // Read from the core through JNI ...
        assertEquals(NativeBridge.defaultThreads(), o.threads)
        assertEquals(NativeBridge.defaultInt8Io(), o.int8Io)
        assertEquals(NativeBridge.defaultTopK(), o.topK)
        assertEquals(NativeBridge.defaultScoreThreshold(), o.scoreThreshold)
        assertEquals(NativeBridge.defaultModelFps(), o.modelFps)
        assertEquals(NativeBridge.defaultPaceTolerance(), o.paceTolerance)
        assertEquals(NativeBridge.defaultSmoothing(), o.smoothing)
        assertEquals(NativeBridge.defaultEventMinScore(), o.events.minScore)
        assertEquals(NativeBridge.defaultEventKeepScore(), o.events.keepScore)
        assertEquals(NativeBridge.defaultEventMinDurationMs(), o.events.minDurationMs)
        assertEquals(NativeBridge.defaultEventMaxGapMs(), o.events.maxGapMs)
        // ... and they are the values the core documents (ClassifierOptions::default(),
        // ModelOptions::default(), EventOptions::DEFAULT, Horizon::LIVE).
        assertEquals(
            MovinetOptions(
                threads = 1,
                topK = 3,
                scoreThreshold = 0f,
                modelFps = 5f,
                paceTolerance = 0.1f,
                crop = Crop.CenterSquare,
                mirror = false,
                smoothing = 0f,
                modelSha256 = null,
                horizon = Horizon.Seconds(2f),
                events = EventOptions(minScore = 0.65f, keepScore = 0.3f, minDurationMs = 600, maxGapMs = 1000),
                int8Io = true,
            ),
            o,
        )
        assertEquals(Horizon.Seconds(2f), Horizon.LIVE)
        assertEquals(YuvRange.VIDEO, CoreDefaults.yuvRange)
        assertEquals(ColorMatrix.BT601, CoreDefaults.colorMatrix)
    }

    @Test
    fun kotlinEnumsAndCodeTablesAgree() {
        assertEquals(PixelFormatCodes.COUNT, PixelFormat.entries.size)
        assertEquals(PixelFormat.entries.indices.toList(), PixelFormat.entries.map { it.code })
        assertEquals(YuvRangeCodes.COUNT, YuvRange.entries.size)
        assertEquals(ColorMatrixCodes.COUNT, ColorMatrix.entries.size)
    }

    @Test
    fun aLoadFailureSaysWhatFailed() {
        val missing = "dlopen failed: library \"libmovinet_jni.so\" not found"
        assertTrue("32-bit" in NativeLibrary.explain(missing, "armv7l"))
        assertTrue("is not in the app for this aarch64 device" in NativeLibrary.explain(missing, "aarch64"))
        val noLiteRt = "dlopen failed: library \"libLiteRt.so\" not found: needed by /data/app/lib/arm64/libmovinet_jni.so"
        val liteRt = NativeLibrary.explain(noLiteRt, "aarch64")
        assertTrue("libLiteRt.so, which libmovinet_jni.so links against, is missing" in liteRt, liteRt)
        assertTrue(liteRt.endsWith("Loader: $noLiteRt"), liteRt)
        // Not blamed on 32-bit when the 32-bit process did find the library.
        val symbol = "dlopen failed: cannot locate symbol \"LiteRtCreateModelFromBuffer\" referenced by \"libmovinet_jni.so\""
        assertTrue("is not LiteRT 2.1.4" in NativeLibrary.explain(symbol, "armv7l"))
        val elf = "dlopen failed: \"libmovinet_jni.so\" is 64-bit instead of 32-bit"
        assertTrue("built for another CPU" in NativeLibrary.explain(elf, "armv8l"))
    }
}
