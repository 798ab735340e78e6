package dev.movinet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.file.Files

/**
 * [MovinetModel]: several classifiers on one loaded model, the closing rules, and label
 * discovery by the core's rules; timestamps at the edges of a `Long`.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelTest {
    private val clip = TestData.carvingIce
    private val tmp: File = Files.createTempDirectory("movinet-model").toFile()

    @AfterAll
    fun cleanUp() {
        tmp.deleteRecursively()
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList(), "[models, classifiers] still open")
    }

    private fun frame(i: Int, t: Long? = null) = Yuv.rgbFrame(clip.rgb(i % clip.count), clip.width, clip.height, timestampNanos = t)

    @Test
    fun classifiersOnOneModelAreIndependentStreams() {
        val options = MovinetOptions(modelFps = null, horizon = Horizon.All)
        MovinetModel.load(TestData.a0, options, TestData.kineticsLabels).use { model ->
            assertEquals(600, model.numClasses)
            assertEquals(172, model.inputWidth)
            assertEquals("abseiling", model.labels!![0])
            assertEquals(listOf(1, 0), NativeBridge.openHandles().toList())
            val a = model.newClassifier()
            val b = model.newClassifier()
            assertEquals(listOf(1, 2), NativeBridge.openHandles().toList(), "two streams, one model")
            // Interleaved: each stream sees only its own frames, so b's first prediction is
            // what a fresh stream says about frame 0, whatever a has seen.
            var lastA: Prediction? = null
            for (i in 0 until clip.count) lastA = a.classify(frame(i))
            val firstB = b.classify(frame(0))!!
            MovinetClassifier.create(TestData.a0, options, TestData.kineticsLabels).use { alone ->
                assertEquals(alone.classify(frame(0))!!.categories, firstB.categories)
            }
            assertEquals(clip.count.toLong(), lastA!!.modelFrames)
            assertEquals(1L, firstB.modelFrames)
            assertEquals("carving ice", lastA.top!!.label)
            a.close()
            b.close()
        }
    }

    @Test
    fun int8IoChangesTheStateMemoryAndNotTheScores() {
        // All classes, every frame, the whole clip pooled: the scores are the model's softmax,
        // which must be the same bits whether the states are bound as int8 or as float32.
        val options = MovinetOptions(topK = 600, modelFps = null, horizon = Horizon.All)
        fun run(int8Io: Boolean): Pair<Long, List<List<Category>>> =
            MovinetModel.load(TestData.a0, options.copy(int8Io = int8Io), TestData.kineticsLabels).use { model ->
                model.newClassifier().use { c ->
                    model.stateBytes to List(clip.count) { i -> c.classify(frame(i))!!.categories }
                }
            }
        val (int8Bytes, int8Scores) = run(true)
        val (floatBytes, floatScores) = run(false)
        assertEquals(684_000L, int8Bytes)
        assertEquals(2_696_832L, floatBytes)
        assertEquals(floatScores, int8Scores)
        assertEquals("carving ice", int8Scores.last().first().label)
    }

    @Test
    fun closingTheModelLeavesItsClassifiersRunning() {
        val model = MovinetModel.load(TestData.a0, MovinetOptions(modelFps = null), TestData.kineticsLabels)
        val c = model.newClassifier()
        model.close()
        model.close() // twice: harmless
        assertFalse(model.isOpen)
        assertNotNull(c.classify(frame(0)), "the classifier keeps the model alive")
        assertEquals(listOf(0, 1), NativeBridge.openHandles().toList())
        val e = assertThrows<ClosedException> { model.newClassifier() }
        assertEquals("MovinetModel is closed", e.message)
        c.close()
        assertThrows<ClosedException> { c.classify(frame(0)) }
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList())
    }

    @Test
    fun aFailedLoadLeavesNothingOpen() {
        assertThrows<InvalidLabelsException> { MovinetModel.load(TestData.a0, MovinetOptions(), TestData.cattleLabels) }
        assertThrows<ModelNotFoundException> { MovinetModel.load(File(tmp, "missing.tflite")) }
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList())
    }

    /** Discovery is the core's: a blank line, non-UTF-8 bytes or another count pass a candidate over. */
    @Test
    fun labelDiscoveryAppliesTheCoreRules() {
        val dir = File(tmp, "discovery").apply { mkdirs() }
        val model = File(dir, "movinet_a0_stream_int8.tflite")
        Files.createSymbolicLink(model.toPath(), TestData.a0.toPath())
        val names = TestData.kineticsLabels.readLines().filter { it.isNotEmpty() }
        assertEquals(600, names.size)
        // Tried first (the model's first word), each refused by a rule of the core's:
        // 600 lines with one blank (before: counted as 600 and taken, shifting every label) ...
        File(dir, "movinet_1_blank.txt").writeText((names.take(299) + "" + names.drop(300)).joinToString("\n"))
        // ... 600 lines in Latin-1 (before: decoded with replacement characters and taken) ...
        File(dir, "movinet_2_latin1.txt").writeBytes(names.joinToString("\n").replace("abseiling", "abséiling").toByteArray(Charsets.ISO_8859_1))
        // ... then the real labels with a byte order mark, which is not part of the first label.
        File(dir, "movinet_3_bom.txt").writeBytes(byteArrayOf(0xEF.toByte(), 0xBB.toByte(), 0xBF.toByte()) + TestData.kineticsLabels.readBytes())
        MovinetModel.load(model).use { m ->
            assertEquals(names, m.labels)
            m.newClassifier().use { c ->
                assertTrue(c.hasLabels)
                assertEquals("abseiling", c.labels[0])
            }
        }
        // Nothing that fits: categories are named by index.
        File(dir, "movinet_3_bom.txt").delete()
        MovinetModel.load(model).use { m ->
            assertNull(m.labels)
            m.newClassifier().use { c -> assertFalse(c.hasLabels); assertEquals("0", c.labels[0]) }
        }
    }

    @Test
    fun candidatesComeFromTheCore() {
        assertEquals(
            listOf("cattle7_labels.txt", "a.txt", "kinetics600_labels.txt"),
            NativeBridge.labelCandidates(
                "cattle7_a0_stream_int8.tflite",
                arrayOf("kinetics600_labels.txt", "cattle7_a0_stream_int8.tflite", "a.txt", "cattle7_labels.txt", "notes.md"),
            ).toList(),
        )
        val e = assertThrows<InvalidLabelsException> { NativeBridge.parseLabels("a\n\nb\n".toByteArray(), "asset x.txt") }
        assertEquals("labels: asset x.txt: line 2 is empty", e.message)
    }

    /** `Long.MAX_VALUE`, backwards and negative timestamps through JNI. */
    @Test
    fun timestampsAtTheEdges() {
        MovinetClassifier.create(TestData.a0, MovinetOptions(), TestData.kineticsLabels).use { c ->
            // The largest timestamp a Kotlin Long holds (292 years of nanoseconds) is a frame
            // like any other: the first frame is kept, the next 0.1 s later paced out.
            val max = c.classify(frame(0, Long.MAX_VALUE))
            assertNotNull(max)
            assertEquals(1L, max!!.modelFrames)
            assertNull(c.classify(frame(1, Long.MAX_VALUE)), "same instant again: paced out")
            // Backwards (a camera restarted, a seek): a new pacing grid, kept at once ...
            val back = c.classify(frame(2, 1_000_000_000L))
            assertNotNull(back, "a timestamp that goes backwards starts a new grid")
            assertEquals(2L, back!!.modelFrames)
            // ... then 5 fps from there.
            assertNull(c.classify(frame(3, 1_100_000_000L)))
            assertNotNull(c.classify(frame(4, 1_200_000_000L)))
            // Negative: refused as an invalid frame, and the stream is untouched.
            val e = assertThrows<InvalidFrameException> { c.classify(frame(5, -1L)) }
            assertEquals("invalid frame: timestampNanos must not be negative, got -1", e.message)
            val next = c.classify(frame(6, 1_400_000_000L))
            assertEquals(4L, next!!.modelFrames)
        }
    }

    @Test
    fun eventsDatedAtTheLargestTimestamps() {
        // Event start and end times near Long.MAX_VALUE come back unclipped.
        val start = Long.MAX_VALUE - 10_000_000_000L
        MovinetClassifier.create(TestData.a0, MovinetOptions(), TestData.kineticsLabels).use { c ->
            for (i in 0 until clip.count) c.classify(frame(i, start + i * 200_000_000L))
            val e = c.finishEvent()
            assertNotNull(e)
            assertTrue(e!!.startNanos >= start && e.endNanos!! > e.startNanos && e.endNanos!! <= Long.MAX_VALUE, "$e")
        }
    }
}
