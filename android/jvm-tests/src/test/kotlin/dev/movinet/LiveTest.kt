package dev.movinet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.math.exp

/**
 * The horizon option and the action events through the Kotlin API: [Horizon.All] is the model as
 * exported (the golden probabilities), the default follows a change of action, and the two
 * golden clips played one after the other (carving ice, then arm wrestling, as one 5 fps
 * stream) give one event each, in order, to the predictions and to listeners alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveTest {
    private val frameNanos = 200_000_000L // 5 fps

    private fun softmax(logits: FloatArray): DoubleArray {
        val max = logits.max()
        val e = logits.map { exp((it - max).toDouble()) }
        val sum = e.sum()
        return e.map { it / sum }.toDoubleArray()
    }

    @Test
    fun theDefaultsAreTheLiveHorizonAndTheCoreEventOptions() {
        val o = MovinetOptions()
        assertEquals(Horizon.Seconds(2f), o.horizon)
        assertEquals(Horizon.LIVE, o.horizon)
        assertEquals(EventOptions(minScore = 0.65f, keepScore = 0.3f, minDurationMs = 600, maxGapMs = 1000), o.events)
    }

    @Test
    fun horizonAllGivesTheGoldenScoresAndTheDefaultDoesNot() {
        val clip = TestData.carvingIce
        val classes = 600
        val logits = clip.logits.floats()
        val all = MovinetOptions(topK = 1, modelFps = null, horizon = Horizon.All)
        val live = MovinetOptions(topK = 1, modelFps = null)
        MovinetClassifier.create(TestData.a0, all, TestData.kineticsLabels).use { cumulative ->
            MovinetClassifier.create(TestData.a0, live, TestData.kineticsLabels).use { bounded ->
                var differs = 0
                for (i in 0 until clip.count) {
                    val frame = Yuv.rgbFrame(clip.rgb(i), clip.width, clip.height)
                    val a = cumulative.classify(frame)!!.top!!
                    val b = bounded.classify(frame)!!.top!!
                    val expected = softmax(logits.copyOfRange(i * classes, (i + 1) * classes))
                    assertEquals(expected[a.index], a.score.toDouble(), 1e-5, "frame $i")
                    if (i < 10) {
                        assertEquals(a, b, "frame $i: a 2 s horizon leaves the first 10 frames alone")
                    } else if (a != b) {
                        differs++
                    }
                }
                assertTrue(differs > 0, "the bounded horizon changed nothing")
            }
        }
    }

    @Test
    fun twoClipsInARowGiveOneEventEachInOrder() {
        val first = TestData.carvingIce
        val second = TestData.armWrestling
        val cut = first.count * frameNanos
        val heard = mutableListOf<EventChange>()
        val carried = mutableListOf<EventChange>()
        MovinetClassifier.create(TestData.a0, MovinetOptions(), TestData.kineticsLabels).use { c ->
            c.addEventListener { heard.add(it) }
            val removed = EventListener { error("a removed listener was called") }
            c.addEventListener(removed)
            assertTrue(c.removeEventListener(removed))
            for ((k, clip) in listOf(first, second).withIndex()) {
                for (i in 0 until clip.count) {
                    val t = k * cut + i * frameNanos
                    val p = c.classify(Yuv.rgbFrame(clip.rgb(i), clip.width, clip.height, timestampNanos = t))
                    carried += p!!.events
                    c.currentEvent?.let { assertNull(it.endNanos) }
                }
            }
            assertEquals("arm wrestling", c.currentEvent?.label)
            val last = c.finishEvent()
            assertNotNull(last)
            assertNull(c.currentEvent)
            assertEquals(carried + EventChange.Ended(last!!), heard)
        }
        val started = heard.filterIsInstance<EventChange.Started>().map { it.event }
        val ended = heard.filterIsInstance<EventChange.Ended>().map { it.event }
        assertEquals(listOf("carving ice", "arm wrestling"), started.map { it.label })
        assertEquals(listOf("carving ice", "arm wrestling"), ended.map { it.label })
        val (ice, wrestling) = ended
        assertTrue(ice.startNanos < 3_000_000_000L, "$ice")
        assertTrue(ice.endNanos!! <= wrestling.startNanos, "$ice then $wrestling")
        // The new label takes over within 2.5 s of the cut.
        assertTrue(wrestling.startNanos in cut..cut + 2_500_000_000L, "cut at $cut ns: $wrestling")
        for (e in ended) {
            assertTrue(e.peakScore in 0.5f..1f && e.meanScore > 0f && e.meanScore <= e.peakScore, "$e")
            assertNotEquals(-1, e.index)
        }
    }

    @Test
    fun badHorizonsAndEventOptionsAreRefused() {
        for (options in listOf(
            MovinetOptions(horizon = Horizon.Seconds(0f)),
            MovinetOptions(horizon = Horizon.Seconds(Float.NaN)),
            MovinetOptions(horizon = Horizon.Frames(0)),
            MovinetOptions(events = EventOptions(minScore = 1.5f)),
        )) {
            val e = assertThrows(InvalidOptionException::class.java) {
                MovinetClassifier.create(TestData.a0, options, TestData.kineticsLabels).close()
            }
            assertTrue("horizon" in e.message!! || "minScore" in e.message!!, e.message)
        }
        assertThrows(InvalidOptionException::class.java) {
            MovinetClassifier.create(TestData.a0, MovinetOptions(events = EventOptions(maxGapMs = -1)), TestData.kineticsLabels)
                .close()
        }
    }

    @Test
    fun eventCallsAfterCloseThrow() {
        val c = MovinetClassifier.create(TestData.a0, MovinetOptions(), TestData.kineticsLabels)
        c.close()
        assertThrows(ClosedException::class.java) { c.currentEvent }
        assertThrows(ClosedException::class.java) { c.finishEvent() }
        assertThrows(ClosedException::class.java) { c.addEventListener { } }
    }

    @AfterAll
    fun nothingLeftOpen() {
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList(), "[models, classifiers] still open")
    }
}
