// A test-scope stand-in for CameraX's `androidx.camera.core.ImageProxy` and `ImageInfo`
// (camera-core 1.4.1), which only Google's Maven repository serves. Same package, names and
// JVM signatures as CameraX's Java interfaces (`getFormat()`, `getCropRect()`, `getPlanes()`
// returning `PlaneProxy[]`, ...), so `MovinetAndroid.kt` compiles against it unchanged and the
// tests exercise the very code the AAR ships. Left out: the members the adapters do not call
// and whose types are CameraX's own (`ImageInfo.getTagBundle()`, `ImageInfo.populateExifData`,
// `ImageProxy.toBitmap()`).
package androidx.camera.core

import android.graphics.Matrix
import android.graphics.Rect
import android.media.Image
import java.nio.ByteBuffer

interface ImageProxy : AutoCloseable {
    interface PlaneProxy {
        val buffer: ByteBuffer
        val pixelStride: Int
        val rowStride: Int
    }

    override fun close()

    var cropRect: Rect
    val format: Int
    val height: Int
    val width: Int
    val image: Image?
    val imageInfo: ImageInfo
    val planes: Array<PlaneProxy>
}

interface ImageInfo {
    val timestamp: Long
    val rotationDegrees: Int
    val sensorToBufferTransformMatrix: Matrix
}
