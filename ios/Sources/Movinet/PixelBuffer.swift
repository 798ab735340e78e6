// Camera buffers as frames: a CVPixelBuffer's planes, strides, range, colour matrix,
// orientation and time, handed to the core as they are: the same `Frame` record the Rust core
// checks and the host tests exercise, with the planes' bytes read in place.
//
// Supported buffers (ask AVCaptureVideoDataOutput for one of them in `videoSettings`):
//   kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange  '420v'  -> .nv12, .video
//   kCVPixelFormatType_420YpCbCr8BiPlanarFullRange   '420f'  -> .nv12, .full
//   kCVPixelFormatType_32BGRA                        'BGRA'  -> .bgra8888
// Every plane goes over with its real bytesPerRow as the row stride. What the buffer says about
// itself goes over raw, and the core maps it: the orientation as its EXIF value
// (`CGImagePropertyOrientation.rawValue`, 1 to 8), the YCbCr matrix attachment
// (kCVImageBufferYCbCrMatrixKey: BT.709 for HD capture presets, BT.601 for SD ones).
//
// Costs. Pacing is asked first, by the timestamp alone: a frame it leaves out is never locked
// or read. A kept frame's planes are read by the core in place while the buffer is locked
// read-only for the length of the call: no copy. The `async` forms keep a reference to the
// buffer (not a lock) until their turn on the serial inference queue.

import CoreMedia
import CoreVideo
import Foundation
import ImageIO
import MovinetFFI

extension CMTime {
    /// The time in whole microseconds, as `Frame.timestampUs` takes it (`nil` when invalid).
    public var movinetMicroseconds: Int64? {
        guard isValid, isNumeric else { return nil }
        return CMTimeConvertScale(self, timescale: 1_000_000, method: .roundHalfAwayFromZero).value
    }
}

/// What a pixel buffer's format and attachments say about its layout.
struct PixelBufferLayout {
    let format: PixelFormat
    let range: YuvRange?
    let planes: Int

    /// The buffer's layout, or an `InvalidFrame` error naming its pixel format.
    init(of pixelBuffer: CVPixelBuffer) throws {
        let type = CVPixelBufferGetPixelFormatType(pixelBuffer)
        switch type {
        case kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange:
            format = .nv12
            range = .video
            planes = 2
        case kCVPixelFormatType_420YpCbCr8BiPlanarFullRange:
            format = .nv12
            range = .full
            planes = 2
        case kCVPixelFormatType_32BGRA:
            format = .bgra8888
            range = nil
            planes = 1
        default:
            throw MovinetError.InvalidFrame(message:
                "invalid frame: pixel format '\(fourCharacterCode(type))' is not supported; " +
                "ask the capture output for 420v, 420f or BGRA")
        }
    }

    /// The buffer's YCbCr matrix attachment (`CVBufferCopyAttachment`, iOS 15): `nil`, the
    /// core's default BT.601, when it has none or another one (8-bit camera buffers are
    /// tagged 601 for SD presets and 709 for HD ones).
    static func colorMatrix(of pixelBuffer: CVPixelBuffer) -> ColorMatrix? {
        guard let value = CVBufferCopyAttachment(pixelBuffer, kCVImageBufferYCbCrMatrixKey, nil) else {
            return nil
        }
        if CFEqual(value, kCVImageBufferYCbCrMatrix_ITU_R_709_2) { return .bt709 }
        if CFEqual(value, kCVImageBufferYCbCrMatrix_ITU_R_601_4) { return .bt601 }
        return nil
    }
}

extension Frame {
    /// The frame record of a pixel buffer (its planes' bytes go beside it): the buffer's
    /// format, size, each plane's bytesPerRow, its range and colour matrix, the orientation's
    /// EXIF value and the time.
    public init(
        describing pixelBuffer: CVPixelBuffer,
        orientation: CGImagePropertyOrientation = .up,
        timestamp: CMTime = .invalid
    ) throws {
        let layout = try PixelBufferLayout(of: pixelBuffer)
        var planes: [PlaneLayout] = []
        if layout.planes == 1 {
            planes.append(PlaneLayout(rowStride: UInt32(CVPixelBufferGetBytesPerRow(pixelBuffer)),
                                      pixelStride: 4))
        } else {
            guard CVPixelBufferGetPlaneCount(pixelBuffer) == layout.planes else {
                throw MovinetError.InvalidFrame(message:
                    "invalid frame: NV12 pixel buffer with \(CVPixelBufferGetPlaneCount(pixelBuffer)) planes")
            }
            // Y (one byte a sample), then interleaved CbCr (two bytes a sample pair).
            for (index, pixelStride) in [(0, 1), (1, 2)] {
                planes.append(PlaneLayout(
                    rowStride: UInt32(CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, index)),
                    pixelStride: UInt32(pixelStride)))
            }
        }
        self.init(
            format: layout.format,
            width: UInt32(CVPixelBufferGetWidth(pixelBuffer)),
            height: UInt32(CVPixelBufferGetHeight(pixelBuffer)),
            planes: planes,
            orientation: orientation.rawValue,
            yuvRange: layout.range,
            colorMatrix: layout.format == .nv12 ? PixelBufferLayout.colorMatrix(of: pixelBuffer) : nil,
            timestampUs: timestamp.movinetMicroseconds
        )
    }
}

/// Calls `body` with views of the buffer's planes while its base address is locked read-only.
/// The `Data` point into the buffer (no copy) and must not outlive `body`.
func withPlanes<T>(of pixelBuffer: CVPixelBuffer, _ body: ([Data]) throws -> T) throws -> T {
    let layout = try PixelBufferLayout(of: pixelBuffer)
    guard CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly) == kCVReturnSuccess else {
        throw MovinetError.InvalidFrame(message: "invalid frame: cannot lock the pixel buffer")
    }
    defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }

    func bytes(_ base: UnsafeMutableRawPointer?, _ count: Int) throws -> Data {
        guard let base else {
            throw MovinetError.InvalidFrame(message: "invalid frame: the pixel buffer has no memory (an IOSurface not mapped?)")
        }
        return Data(bytesNoCopy: base, count: count, deallocator: .none)
    }

    var planes: [Data] = []
    if layout.planes == 1 {
        planes.append(try bytes(CVPixelBufferGetBaseAddress(pixelBuffer),
                                CVPixelBufferGetBytesPerRow(pixelBuffer) * CVPixelBufferGetHeight(pixelBuffer)))
    } else {
        for index in 0..<layout.planes {
            planes.append(try bytes(CVPixelBufferGetBaseAddressOfPlane(pixelBuffer, index),
                                    CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, index)
                                        * CVPixelBufferGetHeightOfPlane(pixelBuffer, index)))
        }
    }
    return try body(planes)
}

extension MovinetClassifier {
    /// Classifies a camera buffer (420v, 420f or BGRA); `nil` for the frames pacing leaves out.
    /// Pacing is asked first by the timestamp, so a frame it leaves out is never locked or
    /// read; a kept frame's planes are read in place while the buffer is locked (no copy).
    /// Call it on the capture output's queue.
    ///
    /// - Parameters:
    ///   - orientation: how the buffer is turned relative to upright (`.right` for a back
    ///     camera held in portrait with the connection at its default orientation,
    ///     `.leftMirrored` for the front camera); the core maps its raw value.
    ///   - timestamp: when it was taken (the sample buffer's presentation time); pacing keeps
    ///     frames at the model's rate by these. Without one, every frame is used.
    public func classify(
        pixelBuffer: CVPixelBuffer,
        orientation: CGImagePropertyOrientation = .up,
        timestamp: CMTime = .invalid
    ) throws -> Prediction? {
        guard try pace(timestampUs: timestamp.movinetMicroseconds) else { return nil }
        let frame = try Frame(describing: pixelBuffer, orientation: orientation, timestamp: timestamp)
        return try withPlanes(of: pixelBuffer) { planes in
            try classify(frame: frame, planes: planes)
        }
    }

    /// Classifies the image of a sample buffer from `AVCaptureVideoDataOutput`, timed by its
    /// presentation timestamp.
    public func classify(
        sampleBuffer: CMSampleBuffer,
        orientation: CGImagePropertyOrientation = .up
    ) throws -> Prediction? {
        guard let pixelBuffer = CMSampleBufferGetImageBuffer(sampleBuffer) else {
            throw MovinetError.InvalidFrame(message: "invalid frame: the sample buffer holds no image")
        }
        return try classify(pixelBuffer: pixelBuffer, orientation: orientation,
                            timestamp: CMSampleBufferGetPresentationTimeStamp(sampleBuffer))
    }

    /// `classify(pixelBuffer:)` off the calling thread, in call order on the serial inference
    /// queue. The buffer is kept (referenced, not locked or copied) until its turn; then
    /// pacing is asked and a kept frame is read in place. A frame pacing leaves out costs a
    /// queue hop and no read.
    public func classify(
        pixelBuffer: CVPixelBuffer,
        orientation: CGImagePropertyOrientation = .up,
        timestamp: CMTime = .invalid
    ) async throws -> Prediction? {
        try await Self.onInferenceQueue {
            try self.classify(pixelBuffer: pixelBuffer, orientation: orientation, timestamp: timestamp)
        }
    }

    /// `classify(sampleBuffer:)` off the calling thread (see `classify(pixelBuffer:) async`).
    public func classify(
        sampleBuffer: CMSampleBuffer,
        orientation: CGImagePropertyOrientation = .up
    ) async throws -> Prediction? {
        guard let pixelBuffer = CMSampleBufferGetImageBuffer(sampleBuffer) else {
            throw MovinetError.InvalidFrame(message: "invalid frame: the sample buffer holds no image")
        }
        return try await classify(pixelBuffer: pixelBuffer, orientation: orientation,
                                  timestamp: CMSampleBufferGetPresentationTimeStamp(sampleBuffer))
    }
}

/// 'BGRA' for kCVPixelFormatType_32BGRA, and so on.
private func fourCharacterCode(_ code: OSType) -> String {
    let bytes = [24, 16, 8, 0].map { UInt8((code >> $0) & 0xFF) }
    if bytes.allSatisfy({ (0x20...0x7E).contains($0) }) {
        return String(decoding: bytes, as: UTF8.self)
    }
    return String(format: "0x%08X", code)
}
