// Camera buffers as frames: a CVPixelBuffer's planes, strides, range, orientation and time,
// mapped onto the same `Frame` record the Rust core checks and the host tests exercise.
//
// Supported buffers (ask AVCaptureVideoDataOutput for one of them in `videoSettings`):
//   kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange  '420v'  -> .nv12, .video
//   kCVPixelFormatType_420YpCbCr8BiPlanarFullRange   '420f'  -> .nv12, .full
//   kCVPixelFormatType_32BGRA                        'BGRA'  -> .bgra8888
// Every plane goes over with its real bytesPerRow as the row stride; the core reads only the
// samples and does the colour conversion, rotation, crop and resize itself.

import CoreMedia
import CoreVideo
import Foundation
import ImageIO
import MovinetFFI

extension CGImagePropertyOrientation {
    /// The clockwise rotation and then horizontal mirror that turn a buffer with this
    /// orientation upright, as `Frame.rotationDegrees` and `Frame.mirror` take them.
    /// (`.right` is a back camera in portrait, `.leftMirrored` a front camera in portrait.)
    public var movinetRotation: (degrees: Int32, mirror: Bool) {
        switch self {
        case .up: return (0, false)
        case .upMirrored: return (0, true)
        case .down: return (180, false)
        case .downMirrored: return (180, true)
        case .right: return (90, false)
        case .leftMirrored: return (90, true)
        case .left: return (270, false)
        case .rightMirrored: return (270, true)
        }
    }
}

extension CMTime {
    /// The time in whole microseconds, as `Frame.timestampUs` takes it (`nil` when invalid).
    public var movinetMicroseconds: Int64? {
        guard isValid, isNumeric else { return nil }
        return CMTimeConvertScale(self, timescale: 1_000_000, method: .roundHalfAwayFromZero).value
    }
}

extension Frame {
    /// A frame holding a copy of the pixel buffer's planes (420v, 420f or BGRA).
    ///
    /// - Parameters:
    ///   - orientation: how the buffer is turned relative to upright (`.right` for a back
    ///     camera held in portrait with the connection at its default orientation).
    ///   - timestamp: when it was taken (the sample buffer's presentation time); pacing keeps
    ///     frames at the model's rate by these. Without one, every frame is used.
    public init(
        pixelBuffer: CVPixelBuffer,
        orientation: CGImagePropertyOrientation = .up,
        timestamp: CMTime = .invalid
    ) throws {
        self = try Frame.withPlanes(of: pixelBuffer, copy: true) { planes, layout in
            Frame(pixelBuffer: pixelBuffer, layout: layout, planes: planes,
                  orientation: orientation, timestamp: timestamp)
        }
    }

    fileprivate init(
        pixelBuffer: CVPixelBuffer,
        layout: (format: PixelFormat, range: YuvRange),
        planes: [Plane],
        orientation: CGImagePropertyOrientation,
        timestamp: CMTime
    ) {
        let (degrees, mirror) = orientation.movinetRotation
        self.init(
            format: layout.format,
            width: UInt32(CVPixelBufferGetWidth(pixelBuffer)),
            height: UInt32(CVPixelBufferGetHeight(pixelBuffer)),
            planes: planes,
            yuvRange: layout.range,
            rotationDegrees: degrees,
            mirror: mirror,
            timestampUs: timestamp.movinetMicroseconds
        )
    }

    /// The buffer's layout, or an `InvalidFrame` error naming its pixel format.
    static func layout(of pixelBuffer: CVPixelBuffer) throws -> (format: PixelFormat, range: YuvRange, planes: Int) {
        let type = CVPixelBufferGetPixelFormatType(pixelBuffer)
        switch type {
        case kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange: return (.nv12, .video, 2)
        case kCVPixelFormatType_420YpCbCr8BiPlanarFullRange: return (.nv12, .full, 2)
        case kCVPixelFormatType_32BGRA: return (.bgra8888, .video, 1)
        default:
            throw MovinetError.InvalidFrame(message:
                "invalid frame: pixel format '\(fourCharacterCode(type))' is not supported; " +
                "ask the capture output for 420v, 420f or BGRA")
        }
    }

    /// Calls `body` with the buffer's planes while its base address is locked. With
    /// `copy: false` the planes' `Data` point into the buffer and are valid only inside
    /// `body` (UniFFI copies them when the frame is passed to Rust, inside `body` too).
    static func withPlanes<T>(
        of pixelBuffer: CVPixelBuffer,
        copy: Bool,
        _ body: ([Plane], (format: PixelFormat, range: YuvRange)) throws -> T
    ) throws -> T {
        let shape = try Self.layout(of: pixelBuffer)
        guard CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly) == kCVReturnSuccess else {
            throw MovinetError.InvalidFrame(message: "invalid frame: cannot lock the pixel buffer")
        }
        defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }

        func bytes(_ base: UnsafeMutableRawPointer?, _ count: Int) throws -> Data {
            guard let base else {
                throw MovinetError.InvalidFrame(message: "invalid frame: the pixel buffer has no memory (an IOSurface not mapped?)")
            }
            return copy ? Data(bytes: base, count: count)
                : Data(bytesNoCopy: base, count: count, deallocator: .none)
        }

        var planes: [Plane] = []
        if shape.planes == 1 {
            let rowBytes = CVPixelBufferGetBytesPerRow(pixelBuffer)
            let data = try bytes(CVPixelBufferGetBaseAddress(pixelBuffer),
                                 rowBytes * CVPixelBufferGetHeight(pixelBuffer))
            planes.append(Plane(data: data, rowStride: UInt32(rowBytes), pixelStride: 4))
        } else {
            guard CVPixelBufferGetPlaneCount(pixelBuffer) == shape.planes else {
                throw MovinetError.InvalidFrame(message:
                    "invalid frame: NV12 pixel buffer with \(CVPixelBufferGetPlaneCount(pixelBuffer)) planes")
            }
            // Y (one byte a sample), then interleaved CbCr (two bytes a sample pair).
            for (index, pixelStride) in [(0, 1), (1, 2)] {
                let rowBytes = CVPixelBufferGetBytesPerRowOfPlane(pixelBuffer, index)
                let data = try bytes(CVPixelBufferGetBaseAddressOfPlane(pixelBuffer, index),
                                     rowBytes * CVPixelBufferGetHeightOfPlane(pixelBuffer, index))
                planes.append(Plane(data: data, rowStride: UInt32(rowBytes), pixelStride: UInt32(pixelStride)))
            }
        }
        return try body(planes, (shape.format, shape.range))
    }
}

extension MovinetClassifier {
    /// Classifies a camera buffer (420v, 420f or BGRA). The planes are read in place while
    /// the buffer is locked; UniFFI copies them once into Rust. Call it on the capture
    /// output's queue; it returns `nil` for the frames pacing leaves out.
    public func classify(
        pixelBuffer: CVPixelBuffer,
        orientation: CGImagePropertyOrientation = .up,
        timestamp: CMTime = .invalid
    ) throws -> Prediction? {
        try Frame.withPlanes(of: pixelBuffer, copy: false) { planes, layout in
            try classify(frame: Frame(pixelBuffer: pixelBuffer, layout: layout, planes: planes,
                                      orientation: orientation, timestamp: timestamp))
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

    /// `classify(pixelBuffer:)` off the calling thread. The planes are copied before this
    /// suspends, so the buffer can go back to the camera's pool at once; frames keep the
    /// order of the calls.
    public func classify(
        pixelBuffer: CVPixelBuffer,
        orientation: CGImagePropertyOrientation = .up,
        timestamp: CMTime = .invalid
    ) async throws -> Prediction? {
        let frame = try Frame(pixelBuffer: pixelBuffer, orientation: orientation, timestamp: timestamp)
        return try await classify(frame: frame)
    }

    /// `classify(sampleBuffer:)` off the calling thread (the planes are copied first).
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
