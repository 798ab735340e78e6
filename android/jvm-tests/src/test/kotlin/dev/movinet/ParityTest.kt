package dev.movinet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.MethodSource

/**
 * Camera layouts through the Kotlin API give what the Rust core gives on the same frames.
 *
 * For each golden clip: the reference is Google's interpreter (the golden logits after the
 * last frame); the Rust core is the same JNI library fed the same frames as packed RGB (its
 * preprocessing is the identity at the model's own size). NV21 and YUV_420_888 versions of the
 * frames (BT.601 video range, padded rows, pixel stride 2, as cameras deliver them) must reach
 * the same top-1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParityTest {
    /**
     * Every frame of a golden clip was sampled at 5 fps: feed them all, no pacing; the
     * reference kept the model's own cumulative horizon.
     */
    private val options = MovinetOptions(topK = 5, modelFps = null, horizon = Horizon.All)

    private fun clips() = TestData.goldenClips

    private fun run(clip: TestData.GoldenClip, opts: MovinetOptions = options, frame: (Int) -> Frame): Prediction {
        MovinetClassifier.create(TestData.a0, opts, TestData.kineticsLabels).use { classifier ->
            var last: Prediction? = null
            for (i in 0 until clip.count) {
                last = classifier.classify(frame(i)) ?: error("frame $i paced out with pacing off")
            }
            return last!!
        }
    }

    private fun rgbRun(clip: TestData.GoldenClip) = run(clip) { i -> Yuv.rgbFrame(clip.rgb(i), clip.width, clip.height) }

    private fun describe(p: Prediction) = p.categories.joinToString { "${it.label} ${"%.3f".format(it.score)}" }

    @ParameterizedTest(name = "{0}: RGB through JNI = Google's interpreter")
    @MethodSource("clips")
    fun rgbMatchesReference(clip: TestData.GoldenClip) {
        val p = rgbRun(clip)
        println("[$clip] RGB:  ${describe(p)}  (${p.modelFrames} frames, reference top-1 ${clip.referenceTop1()})")
        assertEquals(clip.count.toLong(), p.modelFrames)
        assertEquals(clip.referenceTop1(), p.top!!.index, "top-1 differs from the reference logits")
        assertEquals(clip.expectedLabel, p.top!!.label)
    }

    @ParameterizedTest(name = "{0}: NV21 direct buffers = RGB")
    @MethodSource("clips")
    fun nv21MatchesRgb(clip: TestData.GoldenClip) {
        val rgb = rgbRun(clip)
        val nv21 = run(clip) { i -> Yuv.nv21(Yuv.fromRgb(clip.rgb(i), clip.width, clip.height)) }
        println("[$clip] NV21: ${describe(nv21)}")
        assertEquals(rgb.top!!.index, nv21.top!!.index)
        assertEquals(rgb.top!!.label, nv21.top!!.label)
        assertCloseScores(rgb, nv21)
    }

    /**
     * 4:2:0 subsampling moves scores a little; a layout read wrongly (chroma swapped, a stride
     * ignored) moves them a lot (swapping U and V drops arm wrestling from 0.999 to 0.74).
     */
    private fun assertCloseScores(expected: Prediction, actual: Prediction) {
        assertEquals(expected.top!!.score, actual.top!!.score, 0.05f, "top-1 score")
    }

    @ParameterizedTest(name = "{0}: YUV_420_888 padded rows, pixel stride 2 = RGB")
    @MethodSource("clips")
    fun yuv420888MatchesRgb(clip: TestData.GoldenClip) {
        val rgb = rgbRun(clip)
        val yuv = run(clip) { i -> Yuv.yuv420888(Yuv.fromRgb(clip.rgb(i), clip.width, clip.height), rowStride = 192) }
        println("[$clip] YUV_420_888: ${describe(yuv)}")
        assertEquals(rgb.top!!.index, yuv.top!!.index)
        assertCloseScores(rgb, yuv)
    }

    /**
     * The same samples in every layout the bridge maps (format codes, plane order, strides):
     * the core reads identical values, so the scores must be identical, not just close.
     */
    @Test
    fun everyLayoutOfTheSameSamplesGivesIdenticalScores() {
        val clip = TestData.armWrestling
        val yuv = { i: Int -> Yuv.fromRgb(clip.rgb(i), clip.width, clip.height) }
        val nv21 = run(clip) { i -> Yuv.nv21(yuv(i)) }
        val layouts = mapOf(
            "NV12" to run(clip) { i -> Yuv.nv12(yuv(i)) },
            "I420" to run(clip) { i -> Yuv.i420(yuv(i)) },
            "YUV_420_888 stride 256" to run(clip) { i -> Yuv.yuv420888(yuv(i), rowStride = 256) },
        )
        for ((name, p) in layouts) assertEquals(nv21.categories, p.categories, name)
        val rgb = rgbRun(clip)
        val packed = mapOf(
            "RGBA_8888" to run(clip) { i -> Yuv.rgbx(clip.rgb(i), clip.width, clip.height, 172 * 4 + 16, bgr = false) },
            "BGRA_8888" to run(clip) { i -> Yuv.rgbx(clip.rgb(i), clip.width, clip.height, 172 * 4, bgr = true) },
        )
        for ((name, p) in packed) assertEquals(rgb.categories, p.categories, name)
    }

    @ParameterizedTest(name = "{0}: sideways sensor + rotationDegrees=90 = upright")
    @MethodSource("clips")
    fun rotationIsUndone(clip: TestData.GoldenClip) {
        val rgb = rgbRun(clip)
        val rotated = run(clip) { i ->
            val sideways = Yuv.rotateCounterClockwise(clip.rgb(i), clip.width, clip.height)
            Yuv.yuv420888(Yuv.fromRgb(sideways, clip.height, clip.width), rowStride = 192, rotationDegrees = 90)
        }
        println("[$clip] rotated 90: ${describe(rotated)}")
        assertEquals(rgb.top!!.index, rotated.top!!.index)
    }

    @Test
    fun mirrorOptionUndoesAMirroredCamera() {
        val clip = TestData.carvingIce
        val mirrored = { i: Int -> Yuv.mirror(clip.rgb(i), clip.width, clip.height) }
        val fromOption = run(clip, options.copy(mirror = true)) { i -> Yuv.rgbFrame(mirrored(i), clip.width, clip.height) }
        val fromFrame = run(clip) { i ->
            Yuv.yuv420888(Yuv.fromRgb(mirrored(i), clip.width, clip.height), rowStride = 176, mirror = true)
        }
        val reference = rgbRun(clip)
        println("[mirror] option: ${describe(fromOption)} | frame: ${describe(fromFrame)}")
        // Mirrored twice is the original: the same frames reach the model, so the same scores.
        assertEquals(reference.categories, fromOption.categories)
        assertEquals(reference.top!!.index, fromFrame.top!!.index)
    }

    @Test
    fun carvingIceIsTop1OnItsClipThroughTheCameraPath() {
        val clip = TestData.carvingIce
        val p = run(clip) { i -> Yuv.yuv420888(Yuv.fromRgb(clip.rgb(i), clip.width, clip.height), rowStride = 192) }
        assertEquals("carving ice", p.top!!.label)
        assertTrue(p.top!!.score > 0.5f, "carving ice scores ${p.top!!.score}")
    }

    @Test
    fun pacingKeepsAboutFiveFramesPerSecondOfTimestamps() {
        val clip = TestData.carvingIce
        MovinetClassifier.create(TestData.a0, MovinetOptions(modelFps = 5f, paceTolerance = 0.1f), TestData.kineticsLabels).use { c ->
            // 3 seconds of a 30 fps camera.
            val kept = (0 until 90).count { i ->
                val frame = Yuv.nv21(Yuv.fromRgb(clip.rgb(i % clip.count), clip.width, clip.height), timestampNanos = i * 33_333_333L)
                c.classify(frame) != null
            }
            println("[pacing] kept $kept of 90 frames at 30 fps with modelFps=5")
            assertEquals(15, kept)
        }
    }

    @Test
    fun resetStartsANewStream() {
        val clip = TestData.carvingIce
        MovinetClassifier.create(TestData.a0, options, TestData.kineticsLabels).use { c ->
            val first = c.classify(Yuv.rgbFrame(clip.rgb(0), clip.width, clip.height))
            c.classify(Yuv.rgbFrame(clip.rgb(1), clip.width, clip.height))
            c.reset()
            val again = c.classify(Yuv.rgbFrame(clip.rgb(0), clip.width, clip.height))
            assertNotNull(again)
            assertEquals(1L, again!!.modelFrames)
            assertEquals(first, again.copy(timings = first!!.timings))
        }
    }

    @Test
    fun modelFromADirectBufferWithItsLabelsText() {
        val bytes = TestData.a0.readBytes()
        val buffer = java.nio.ByteBuffer.allocateDirect(bytes.size).put(bytes).flip() as java.nio.ByteBuffer
        val clip = TestData.armWrestling
        MovinetClassifier.create(buffer, options, TestData.kineticsLabels.readText()).use { c ->
            assertEquals(600, c.numClasses)
            assertEquals(172, c.inputWidth)
            var last: Prediction? = null
            for (i in 0 until clip.count) last = c.classify(Yuv.rgbFrame(clip.rgb(i), clip.width, clip.height))
            assertEquals("arm wrestling", last!!.top!!.label)
        }
    }

    @Test
    fun fineTunedModelFindsItsOwnLabelsBesideIt() {
        MovinetClassifier.create(TestData.cattleModel, MovinetOptions(topK = 10)).use { c ->
            assertTrue(c.hasLabels)
            assertEquals(7, c.numClasses)
            assertEquals(TestData.cattleLabels.readLines().filter { it.isNotEmpty() }, c.labels)
            val clip = TestData.carvingIce
            val p = c.classify(Yuv.rgbFrame(clip.rgb(0), clip.width, clip.height))!!
            assertEquals(7, p.categories.size) // topK above the class count gives them all
        }
    }

    @AfterAll
    fun nothingLeftOpen() {
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList(), "[models, classifiers] still open")
    }
}
