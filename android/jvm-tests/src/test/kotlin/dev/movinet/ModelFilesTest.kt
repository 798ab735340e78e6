package dev.movinet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.assertTimeoutPreemptively
import java.io.File
import java.nio.ByteBuffer
import java.nio.file.Files
import java.security.MessageDigest
import java.time.Duration

/**
 * Files an app should not trust blindly, through the Kotlin API: the expected SHA-256 of the
 * model ([MovinetOptions.modelSha256]), and special files (a device, a FIFO) as the labels
 * file, given or found beside the model. The core decides in each case, before LiteRT sees
 * anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelFilesTest {
    private val a0Sha256: String =
        MessageDigest.getInstance("SHA-256").digest(TestData.a0.readBytes()).joinToString("") { "%02x".format(it) }

    private val tmp: File = Files.createTempDirectory("movinet-model-files").toFile()

    @AfterAll
    fun cleanUp() {
        tmp.deleteRecursively()
    }

    @Test
    fun theExpectedDigestLoadsTheModel() {
        for (digest in listOf(a0Sha256, a0Sha256.uppercase())) {
            MovinetClassifier.create(TestData.a0, MovinetOptions(modelSha256 = digest), TestData.kineticsLabels).use {
                assertEquals(600, it.numClasses)
                assertEquals("abseiling", it.labels[0])
            }
        }
        // From a buffer too (what an app asset gives).
        val bytes = TestData.a0.readBytes()
        val direct = ByteBuffer.allocateDirect(bytes.size).put(bytes).flip() as ByteBuffer
        MovinetClassifier.create(direct, MovinetOptions(modelSha256 = a0Sha256)).use {
            assertEquals(600, it.numClasses)
        }
    }

    @Test
    fun anotherFileIsADigestMismatch() {
        val wrong = "00".repeat(32)
        val e = assertThrows<ModelDigestMismatchException> {
            MovinetClassifier.create(TestData.a0, MovinetOptions(modelSha256 = wrong))
        }
        assertEquals(
            "model file does not have the expected SHA-256 (expected $wrong, got $a0Sha256): " +
                "corrupted, truncated or replaced",
            e.message,
        )
        // A download cut short, given as bytes.
        val cut = TestData.a0.readBytes().copyOf(3_000_000)
        val direct = ByteBuffer.allocateDirect(cut.size).put(cut).flip() as ByteBuffer
        val m = assertThrows<ModelDigestMismatchException> {
            MovinetClassifier.create(direct, MovinetOptions(modelSha256 = a0Sha256))
        }
        assertTrue(m.message!!.startsWith("model file does not have the expected SHA-256 (expected $a0Sha256, got "), m.message)
    }

    @Test
    fun aMalformedDigestIsAnInvalidOption() {
        val e = assertThrows<InvalidOptionException> {
            MovinetClassifier.create(TestData.a0, MovinetOptions(modelSha256 = "sha256:abc"))
        }
        assertEquals("invalid option: modelSha256 must be 64 hexadecimal digits, got `sha256:abc`", e.message)
    }

    @Test
    fun aDeviceOrAFifoIsNotALabelsFile() {
        val e = assertThrows<InvalidLabelsException> {
            MovinetClassifier.create(TestData.a0, MovinetOptions(), File("/dev/zero"))
        }
        assertEquals("labels: /dev/zero is a character device, not a labels file", e.message)

        val fifo = File(tmp, "fifo_labels.txt")
        assertEquals(0, ProcessBuilder("mkfifo", fifo.path).start().waitFor())
        // Nobody writes to it: a reader that opened it would wait for ever.
        val f = assertTimeoutPreemptively(Duration.ofSeconds(10)) {
            assertThrows<InvalidLabelsException> { MovinetClassifier.create(TestData.a0, MovinetOptions(), fifo) }
        }
        assertEquals("labels: ${fifo.path} is a FIFO (named pipe), not a labels file", f.message)
    }

    @Test
    fun labelDiscoveryPassesOverSpecialFiles() {
        // A models folder where the first candidates by name are a FIFO and a link to
        // /dev/zero: discovery skips both (without blocking) and finds the real labels.
        val dir = File(tmp, "models").apply { mkdirs() }
        val model = File(dir, "movinet_a0_stream_int8.tflite")
        Files.createSymbolicLink(model.toPath(), TestData.a0.toPath())
        Files.createSymbolicLink(File(dir, "movinet_a_labels.txt").toPath(), File("/dev/zero").toPath())
        assertEquals(0, ProcessBuilder("mkfifo", File(dir, "movinet_b_labels.txt").path).start().waitFor())
        Files.createSymbolicLink(File(dir, "movinet_c_labels.txt").toPath(), TestData.kineticsLabels.toPath())
        val c = assertTimeoutPreemptively(Duration.ofSeconds(20)) { MovinetClassifier.create(model) }
        c.use {
            assertTrue(it.hasLabels)
            assertEquals("abseiling", it.labels[0])
        }
    }

    @Test
    fun labelsWithAByteOrderMark() {
        val bom = File(tmp, "bom.txt")
        bom.writeBytes(byteArrayOf(0xEF.toByte(), 0xBB.toByte(), 0xBF.toByte()) + TestData.kineticsLabels.readBytes())
        MovinetClassifier.create(TestData.a0, MovinetOptions(), bom).use {
            assertEquals("abseiling", it.labels[0])
            assertFalse(it.labels.any { l -> l.startsWith("\uFEFF") })
        }
    }
}
