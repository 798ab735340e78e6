package dev.movinet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.io.TempDir
import java.io.File

/**
 * Custom actions through the Kotlin API, on the host against the JNI library: examples recorded
 * by a live classifier and by an [ActionRecorder] from the golden clips' frames (172x172 RGB at
 * 5 fps, standing in for a camera), a set saved and loaded, a classifier naming the set's
 * actions in its categories, events and [MovinetClassifier.labels]; and every misuse as its
 * typed exception: another model's set, damaged files, an empty set, a short example, bad
 * names, closed objects. No native handle is left open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ActionsTest {
    private val frameNanos = 200_000_000L // 5 fps
    private val model = MovinetModel.load(TestData.a0, MovinetOptions(), TestData.kineticsLabels)

    private fun frame(clip: TestData.GoldenClip, i: Int, t: Int = i) =
        Yuv.rgbFrame(clip.rgb(i), clip.width, clip.height, t * frameNanos)

    /** An example of `clip`'s frames `range`, recorded by a classifier while it classifies. */
    private fun recordLive(clip: TestData.GoldenClip, range: IntRange): ActionExample =
        model.newClassifier().use { c ->
            c.startExample()
            for (i in range) checkNotNull(c.classify(frame(clip, i)))
            assertEquals(range.count().toLong(), c.exampleFrames)
            c.finishExample().also { assertNull(c.exampleFrames) }
        }

    /** carving and arm wrestling, two examples each (each golden clip's two halves). */
    private fun twoActions(): ActionSet {
        val set = ActionSet.create(model)
        for ((name, clip) in listOf("carving" to TestData.carvingIce, "arm wrestling" to TestData.armWrestling)) {
            val half = clip.count / 2
            recordLive(clip, 0 until half).use { set.add(name, it) }
            recordLive(clip, half until clip.count).use { set.add(name, it) }
        }
        return set
    }

    @Test
    fun aRecordedSetIsSavedLoadedAndNamesTheActions(@TempDir dir: File) {
        twoActions().use { set ->
            assertEquals(listOf("carving", "arm wrestling"), set.names)
            assertEquals(2, set.examples("carving"))
            assertEquals(0, set.examples("nothing"))
            val file = File(dir, "two.actions")
            set.save(file)
            assertArrayEquals(file.readBytes(), set.toByteArray())
            ActionSet.load(file, model).use { loaded ->
                assertEquals(set.names, loaded.names)
                assertEquals(set.modelSha256, loaded.modelSha256)
                model.newClassifier().use { c ->
                    c.setActions(loaded)
                    assertEquals(listOf("carving", "arm wrestling"), c.labels)
                    assertTrue(c.hasLabels)
                    val started = mutableListOf<String>()
                    c.addEventListener { if (it is EventChange.Started) started += it.event.label }
                    val clip = TestData.armWrestling
                    var last: Prediction? = null
                    for (i in 0 until clip.count) last = c.classify(frame(clip, i))
                    val top = checkNotNull(last).categories
                    assertEquals(listOf("arm wrestling", "carving"), top.map { it.label })
                    assertTrue(top[0].score > 0.9f, "$top")
                    assertEquals(listOf("arm wrestling"), started)
                    assertEquals("arm wrestling", c.currentEvent?.label)
                    // Back to the model's 600 classes.
                    c.setActions(null)
                    assertEquals(600, c.labels.size)
                    assertEquals("abseiling", c.labels[0])
                }
            }
            // The same bytes from a byte array (an asset).
            ActionSet.fromBytes(file.readBytes(), model).use { assertEquals(set.names, it.names) }
        }
    }

    @Test
    fun aRecorderMakesTheSameExampleAsALiveClassifier() {
        val clip = TestData.carvingIce
        ActionRecorder.create(model).use { recorder ->
            for (i in 0 until clip.count) assertTrue(recorder.record(frame(clip, i)))
            assertEquals(clip.count.toLong(), recorder.frames)
            val a = ActionSet.create(model)
            val b = ActionSet.create(model)
            recorder.finish().use { a.add("carving", it) }
            assertEquals(0L, recorder.frames, "it starts over")
            recordLive(clip, 0 until clip.count).use { b.add("carving", it) }
            assertArrayEquals(a.toByteArray(), b.toByteArray())
            a.close()
            b.close()
        }
    }

    @Test
    fun anotherModelsSetAndDamagedFilesAreInvalidActionSets(@TempDir dir: File) {
        val bytes = twoActions().use { it.toByteArray() }
        MovinetModel.load(TestData.cattleModel).use { cattle ->
            val e = assertThrows(InvalidActionSetException::class.java) { ActionSet.fromBytes(bytes, cattle) }
            assertTrue(e.message!!.contains("made with another model"), e.message)
            ActionSet.fromBytes(bytes, model).use { set ->
                cattle.newClassifier().use { c ->
                    assertThrows(InvalidActionSetException::class.java) { c.setActions(set) }
                }
            }
        }
        for ((bad, why) in listOf(
            bytes.copyOf(bytes.size / 2) to "truncated or damaged",
            ByteArray(0) to "empty",
            "PK\u0003\u0004 not a set".toByteArray() to "not an action-set file",
        )) {
            val e = assertThrows(InvalidActionSetException::class.java) { ActionSet.fromBytes(bad, model) }
            assertTrue(e.message!!.contains(why), e.message)
            assertEquals("InvalidActionSet", e.kind)
        }
        assertThrows(IoException::class.java) { ActionSet.load(File(dir, "missing.actions"), model) }
        val e = assertThrows(InvalidActionSetException::class.java) { ActionSet.load(dir, model) }
        assertTrue(e.message!!.contains("a directory"), e.message)
    }

    @Test
    fun emptySetsShortExamplesBadNamesAndClosedObjectsAreRefused() {
        val empty = ActionSet.create(model)
        assertThrows(InvalidActionSetException::class.java) { empty.toByteArray() }
        model.newClassifier().use { c ->
            assertThrows(InvalidActionSetException::class.java) { c.setActions(empty) }
            assertThrows(InvalidActionSetException::class.java) { c.finishExample() }
            c.startExample()
            for (i in 0 until 4) c.classify(frame(TestData.carvingIce, i))
            val e = assertThrows(InvalidActionSetException::class.java) { c.finishExample() }
            assertTrue(e.message!!.contains("at least 1 s"), e.message)
        }
        recordLive(TestData.carvingIce, 0 until 6).use { example ->
            assertEquals(1, example.liveFrames)
            for (name in listOf("", " squat", "a\nb", "x".repeat(101))) {
                assertThrows(InvalidActionSetException::class.java) { empty.add(name, example) }
                assertThrows(InvalidActionSetException::class.java) { ActionSet.checkName(name) }
            }
            ActionSet.checkName("squat")
            assertFalse(empty.remove("squat"))
            example.close()
            example.close()
            assertThrows(ClosedException::class.java) { empty.add("squat", example) }
        }
        empty.close()
        assertThrows(ClosedException::class.java) { empty.names }
        assertFalse(empty.isOpen)
    }

    @Test
    fun aTeacherRecordsThreeClipsWithTheLiveClassifier() {
        val frames = listOf(TestData.carvingIce, TestData.armWrestling).flatMap { clip -> (0 until clip.count).map { clip to it } }
        model.newClassifier().use { c ->
            assertThrows(InvalidActionSetException::class.java) { ActionTeacher(" bad", c) }
            ActionTeacher("ice and arms", c).use { teacher ->
                ActionSet.create(model).use { set ->
                    assertThrows(InvalidActionSetException::class.java) { teacher.commit(set) }
                    var t = 0
                    var progress = teacher.startClip()
                    for (clip in 0 until 3) {
                        if (clip > 0) progress = teacher.startClip()
                        assertEquals(TeachProgress(clip, 3, 0f, true), progress)
                        while (progress.recording) {
                            val (golden, i) = frames[t % frames.size]
                            checkNotNull(c.classify(frame(golden, i, t)))
                            t++
                            progress = teacher.afterFrame()
                        }
                        assertEquals(clip + 1, progress.clipsDone)
                    }
                    assertEquals(45, t, "three clips of 3 s at 5 fps")
                    assertTrue(progress.done)
                    teacher.commit(set)
                    assertEquals(listOf("ice and arms"), set.names)
                    assertEquals(3, set.examples("ice and arms"))
                    c.setActions(set)
                    assertEquals(listOf("ice and arms"), c.labels)
                }
            }
        }
    }

    @AfterAll
    fun noHandleIsLeftOpen() {
        model.close()
        assertEquals(listOf(0, 0, 0), NativeBridge.openActionHandles().toList(), "[action sets, examples, teachers] still open")
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList(), "[models, classifiers] still open")
    }
}
