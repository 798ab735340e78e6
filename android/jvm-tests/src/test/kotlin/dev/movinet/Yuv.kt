package dev.movinet

import java.nio.ByteBuffer
import kotlin.math.roundToInt

/**
 * Test-side camera simulation: RGB frames encoded the way Android cameras deliver them
 * (BT.601, video range, 4:2:0 chroma from 2x2 averages), in the buffer layouts of NV21 and of
 * a `YUV_420_888` `ImageProxy` (padded rows, interleaved chroma with pixel stride 2).
 */
object Yuv {
    private fun clamp(v: Double) = v.roundToInt().coerceIn(0, 255)

    private fun r(rgb: ByteArray, i: Int) = rgb[i * 3].toInt() and 0xff
    private fun g(rgb: ByteArray, i: Int) = rgb[i * 3 + 1].toInt() and 0xff
    private fun b(rgb: ByteArray, i: Int) = rgb[i * 3 + 2].toInt() and 0xff

    /** Y plane (width x height) and U, V planes (ceil(w/2) x ceil(h/2)), unpadded. */
    class Planes(val y: ByteArray, val u: ByteArray, val v: ByteArray, val width: Int, val height: Int) {
        val chromaWidth get() = (width + 1) / 2
        val chromaHeight get() = (height + 1) / 2
    }

    fun fromRgb(rgb: ByteArray, width: Int, height: Int): Planes {
        val y = ByteArray(width * height)
        for (i in 0 until width * height) {
            y[i] = clamp(16 + 0.256788 * r(rgb, i) + 0.504129 * g(rgb, i) + 0.097906 * b(rgb, i)).toByte()
        }
        val cw = (width + 1) / 2
        val ch = (height + 1) / 2
        val u = ByteArray(cw * ch)
        val v = ByteArray(cw * ch)
        for (cy in 0 until ch) for (cx in 0 until cw) {
            var sr = 0.0
            var sg = 0.0
            var sb = 0.0
            var n = 0
            for (dy in 0..1) for (dx in 0..1) {
                val px = cx * 2 + dx
                val py = cy * 2 + dy
                if (px < width && py < height) {
                    val i = py * width + px
                    sr += r(rgb, i); sg += g(rgb, i); sb += b(rgb, i); n++
                }
            }
            sr /= n; sg /= n; sb /= n
            u[cy * cw + cx] = clamp(128 - 0.148223 * sr - 0.290993 * sg + 0.439216 * sb).toByte()
            v[cy * cw + cx] = clamp(128 + 0.439216 * sr - 0.367788 * sg - 0.071427 * sb).toByte()
        }
        return Planes(y, u, v, width, height)
    }

    /** A region of `buffer` as its own buffer: position `offset`, `length` bytes remaining. */
    private fun region(buffer: ByteBuffer, offset: Int, length: Int): ByteBuffer =
        buffer.duplicate().apply { position(offset); limit(offset + length) }

    /**
     * NV21 as camera1 gives it: one direct buffer, Y rows then interleaved V, U rows, no
     * padding; the two planes are regions of that one buffer.
     */
    fun nv21(p: Planes, timestampNanos: Long? = null, rotationDegrees: Int = 0): Frame {
        val ySize = p.width * p.height
        val vuStride = p.chromaWidth * 2
        val buffer = ByteBuffer.allocateDirect(ySize + vuStride * p.chromaHeight)
        buffer.put(p.y)
        for (i in p.u.indices) {
            buffer.put(p.v[i])
            buffer.put(p.u[i])
        }
        return Frame(
            PixelFormat.NV21, p.width, p.height,
            listOf(
                Plane(region(buffer, 0, ySize), p.width, 1),
                Plane(region(buffer, ySize, vuStride * p.chromaHeight), vuStride, 2),
            ),
            rotationDegrees = rotationDegrees,
            timestampNanos = timestampNanos,
        )
    }

    /**
     * `YUV_420_888` as a CameraX `ImageProxy` on most devices gives it: rows padded to
     * `rowStride`, chroma stored as interleaved V, U (NV21 memory) so that the U plane starts
     * one byte after the V plane and both have pixel stride 2, and the last row of every plane
     * cut short to the samples it holds.
     */
    fun yuv420888(p: Planes, rowStride: Int, timestampNanos: Long? = null, rotationDegrees: Int = 0, mirror: Boolean? = null): Frame {
        require(rowStride >= p.width && rowStride >= p.chromaWidth * 2)
        val yLen = rowStride * (p.height - 1) + p.width
        val chromaBase = rowStride * p.height
        val buffer = ByteBuffer.allocateDirect(chromaBase + rowStride * p.chromaHeight)
        // Fill padding with a value that would show if it were read.
        while (buffer.hasRemaining()) buffer.put(0x55)
        for (row in 0 until p.height) {
            buffer.position(row * rowStride)
            buffer.put(p.y, row * p.width, p.width)
        }
        for (row in 0 until p.chromaHeight) for (col in 0 until p.chromaWidth) {
            val at = chromaBase + row * rowStride + col * 2
            buffer.put(at, p.v[row * p.chromaWidth + col])
            buffer.put(at + 1, p.u[row * p.chromaWidth + col])
        }
        val chromaLen = rowStride * (p.chromaHeight - 1) + (p.chromaWidth - 1) * 2 + 1
        return Frame(
            PixelFormat.YUV_420_888, p.width, p.height,
            listOf(
                Plane(region(buffer, 0, yLen), rowStride, 1),
                Plane(region(buffer, chromaBase + 1, chromaLen), rowStride, 2),
                Plane(region(buffer, chromaBase, chromaLen), rowStride, 2),
            ),
            rotationDegrees = rotationDegrees,
            mirror = mirror,
            timestampNanos = timestampNanos,
        )
    }

    /** NV12: like [nv21] with the chroma pairs in U, V order. */
    fun nv12(p: Planes): Frame {
        val ySize = p.width * p.height
        val uvStride = p.chromaWidth * 2
        val buffer = ByteBuffer.allocateDirect(ySize + uvStride * p.chromaHeight)
        buffer.put(p.y)
        for (i in p.u.indices) {
            buffer.put(p.u[i])
            buffer.put(p.v[i])
        }
        return Frame(
            PixelFormat.NV12, p.width, p.height,
            listOf(
                Plane(region(buffer, 0, ySize), p.width, 1),
                Plane(region(buffer, ySize, uvStride * p.chromaHeight), uvStride, 2),
            ),
        )
    }

    /** I420: three separate planes, pixel stride 1, each in its own direct buffer. */
    fun i420(p: Planes): Frame {
        fun direct(bytes: ByteArray) = ByteBuffer.allocateDirect(bytes.size).put(bytes).apply { flip() }
        return Frame(
            PixelFormat.I420, p.width, p.height,
            listOf(Plane(direct(p.y), p.width, 1), Plane(direct(p.u), p.chromaWidth, 1), Plane(direct(p.v), p.chromaWidth, 1)),
        )
    }

    /** Packed 4-byte pixels (RGBA, or BGRA with [bgr]), rows padded to [rowStride] bytes. */
    fun rgbx(rgb: ByteArray, width: Int, height: Int, rowStride: Int, bgr: Boolean): Frame {
        val buffer = ByteBuffer.allocateDirect(rowStride * height)
        for (y in 0 until height) for (x in 0 until width) {
            val s = (y * width + x) * 3
            val d = y * rowStride + x * 4
            buffer.put(d, rgb[if (bgr) s + 2 else s])
            buffer.put(d + 1, rgb[s + 1])
            buffer.put(d + 2, rgb[if (bgr) s else s + 2])
            buffer.put(d + 3, 0xff.toByte())
        }
        return Frame(if (bgr) PixelFormat.BGRA_8888 else PixelFormat.RGBA_8888, width, height, listOf(Plane(buffer, rowStride, 4)))
    }

    /** Packed RGB in a direct buffer. */
    fun rgbFrame(rgb: ByteArray, width: Int, height: Int, timestampNanos: Long? = null): Frame {
        val buffer = ByteBuffer.allocateDirect(rgb.size).put(rgb)
        buffer.flip()
        return Frame(PixelFormat.RGB_888, width, height, listOf(Plane(buffer, width * 3, 3)), timestampNanos = timestampNanos)
    }

    /** The RGB image turned 90 degrees counter-clockwise (so a 90-degree clockwise rotation undoes it). */
    fun rotateCounterClockwise(rgb: ByteArray, width: Int, height: Int): ByteArray {
        // Output is height wide, width tall: out(x', y') = in(x = width - 1 - y', y = x').
        val out = ByteArray(rgb.size)
        for (oy in 0 until width) for (ox in 0 until height) {
            val src = (ox * width + (width - 1 - oy)) * 3
            val dst = (oy * height + ox) * 3
            out[dst] = rgb[src]; out[dst + 1] = rgb[src + 1]; out[dst + 2] = rgb[src + 2]
        }
        return out
    }

    /** The RGB image mirrored left to right. */
    fun mirror(rgb: ByteArray, width: Int, height: Int): ByteArray {
        val out = ByteArray(rgb.size)
        for (y in 0 until height) for (x in 0 until width) {
            val src = (y * width + x) * 3
            val dst = (y * width + (width - 1 - x)) * 3
            out[dst] = rgb[src]; out[dst + 1] = rgb[src + 1]; out[dst + 2] = rgb[src + 2]
        }
        return out
    }
}
