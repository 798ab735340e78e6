package dev.movinet

import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder

/** Where the team's shared data is (models, golden frames), as the Maven build passes it. */
object TestData {
    val sharedDir: File = File(System.getProperty("movinet.shared.dir") ?: "../../../shared").canonicalFile

    val modelsDir: File = System.getenv("MOVINET_MODELS_DIR")?.takeIf { it.isNotBlank() }?.let(::File)
        ?.takeIf { File(it, "movinet_a0_stream_int8.tflite").isFile }
        ?: File(sharedDir, "models")

    val a0: File get() = File(modelsDir, "movinet_a0_stream_int8.tflite")
    val kineticsLabels: File get() = File(modelsDir, "kinetics600_labels.txt")
    val cattleModel: File get() = File(sharedDir, "models/custom/cattle7_a0_stream_int8.tflite")
    val cattleLabels: File get() = File(sharedDir, "models/custom/cattle7_labels.txt")

    /** A golden clip: the exact uint8 RGB frames fed and the reference logits after each. */
    class GoldenClip(val name: String, val expectedLabel: String) {
        private val stem = File(sharedDir, "golden/a0int8_${name}_fps5_crop")
        val frames: NpyArray by lazy { NpyArray.read(File("${stem}_frames_u8.npy")) }
        val logits: NpyArray by lazy { NpyArray.read(File("${stem}_logits.npy")) }

        /** Frame i as packed RGB bytes in a fresh direct buffer. */
        fun rgb(i: Int): ByteArray {
            val (_, h, w, c) = frames.shape
            val n = h * w * c
            return frames.data.copyOfRange(i * n, (i + 1) * n)
        }

        val count: Int get() = frames.shape[0]
        val height: Int get() = frames.shape[1]
        val width: Int get() = frames.shape[2]

        /** Index of the highest reference logit after the last frame. */
        fun referenceTop1(): Int {
            val classes = logits.shape[1]
            val last = logits.floats().let { it.copyOfRange(it.size - classes, it.size) }
            return last.indices.maxBy { last[it] }
        }

        override fun toString() = name
    }

    val carvingIce = GoldenClip("carving_ice_android", "carving ice")
    val armWrestling = GoldenClip("arm_wrestling", "arm wrestling")
    val goldenClips = listOf(carvingIce, armWrestling)
}

/** A NumPy `.npy` array (format 1.0/2.0, C order, `|u1` or `<f4`). */
class NpyArray(val descr: String, val shape: List<Int>, val data: ByteArray) {
    fun floats(): FloatArray {
        check(descr == "<f4") { "not float32: $descr" }
        val out = FloatArray(data.size / 4)
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out)
        return out
    }

    companion object {
        fun read(file: File): NpyArray {
            val bytes = file.readBytes()
            require(bytes.size > 10 && bytes[0] == 0x93.toByte() && String(bytes, 1, 5, Charsets.US_ASCII) == "NUMPY") {
                "$file is not a .npy file"
            }
            val major = bytes[6].toInt()
            val (headerLen, headerStart) = if (major == 1) {
                ((bytes[8].toInt() and 0xff) or ((bytes[9].toInt() and 0xff) shl 8)) to 10
            } else {
                ByteBuffer.wrap(bytes, 8, 4).order(ByteOrder.LITTLE_ENDIAN).int to 12
            }
            val header = String(bytes, headerStart, headerLen, Charsets.US_ASCII)
            val descr = Regex("""'descr':\s*'([^']+)'""").find(header)!!.groupValues[1]
            require(!header.contains("'fortran_order': True")) { "$file: Fortran order" }
            val shape = Regex("""'shape':\s*\(([^)]*)\)""").find(header)!!.groupValues[1]
                .split(',').map(String::trim).filter(String::isNotEmpty).map(String::toInt)
            val data = bytes.copyOfRange(headerStart + headerLen, bytes.size)
            val itemSize = if (descr == "|u1") 1 else 4
            require(data.size == shape.fold(itemSize) { a, b -> a * b }) { "$file: data size does not match $shape" }
            return NpyArray(descr, shape, data)
        }
    }
}
