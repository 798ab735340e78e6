// The iOS route of the benchmark harness: the same measurement as `movinet-bench` (a 1280x720
// camera frame in, a prediction out, A0, one thread, pacing off), run on an iPhone by XCTest.
//
//   cp ../shared/models/movinet_a0_stream_int8.tflite ios/Tests/MovinetBenchmarks/Models/
//   LITERT_IOS_DIR=$PWD/LiteRT-LM/prebuilt ios/build-xcframework.sh   # see ios/README.md
//   cd ios && xcodebuild test -scheme Movinet -configuration Release \
//       -destination 'platform=iOS,name=<your iPhone>' -only-testing MovinetBenchmarks
//
// XCTest prints each metric's average and standard deviation over its iterations
// (wall-clock time per 100 frames, peak physical memory); the per-stage timings the core
// reports are printed as `movinet-bench ios:` lines, to put beside the desktop table.

import CoreVideo
import XCTest
import Movinet

final class MovinetBenchmarks: XCTestCase {
    /// Frames per measured iteration: enough to dwarf XCTest's own overhead.
    private let framesPerIteration = 100

    private func modelURL() throws -> URL {
        guard let url = Bundle.module.url(forResource: "movinet_a0_stream_int8",
                                          withExtension: "tflite", subdirectory: "Models") else {
            throw XCTSkip("copy movinet_a0_stream_int8.tflite into Tests/MovinetBenchmarks/Models")
        }
        return url
    }

    /// A 1280x720 420v buffer holding a moving gradient, the layout the camera delivers.
    private func cameraBuffer(phase: Int) throws -> CVPixelBuffer {
        var buffer: CVPixelBuffer?
        let attributes = [kCVPixelBufferIOSurfacePropertiesKey: [:]] as CFDictionary
        let status = CVPixelBufferCreate(kCFAllocatorDefault, 1280, 720,
                                         kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange,
                                         attributes, &buffer)
        guard status == kCVReturnSuccess, let buffer else {
            throw XCTSkip("CVPixelBufferCreate failed with \(status)")
        }
        CVPixelBufferLockBaseAddress(buffer, [])
        defer { CVPixelBufferUnlockBaseAddress(buffer, []) }
        for plane in 0..<2 {
            guard let base = CVPixelBufferGetBaseAddressOfPlane(buffer, plane) else { continue }
            let stride = CVPixelBufferGetBytesPerRowOfPlane(buffer, plane)
            let height = CVPixelBufferGetHeightOfPlane(buffer, plane)
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            for y in 0..<height {
                for x in 0..<stride {
                    bytes[y * stride + x] = UInt8(truncatingIfNeeded: 16 + (x + y + phase * 7 + plane * 64) % 220)
                }
            }
        }
        return buffer
    }

    func testA0CameraFrameToPrediction() throws {
        var options = ClassifierOptions()
        options.modelFps = nil // every frame runs the model, as in movinet-bench
        let classifier = try MovinetClassifier(modelPath: try modelURL().path, labelsPath: nil,
                                               options: options,
                                               modelOptions: ModelOptions(threads: 1))
        let buffers = try (0..<8).map { try cameraBuffer(phase: $0) }
        // Warm-up: the first runs allocate the runtime's arena.
        for buffer in buffers { _ = try classifier.classify(pixelBuffer: buffer, orientation: .right) }

        var preprocess: [Double] = []
        var inference: [Double] = []
        var total: [Double] = []
        measure(metrics: [XCTClockMetric(), XCTMemoryMetric(), XCTCPUMetric()]) {
            for i in 0..<framesPerIteration {
                guard let p = try? classifier.classify(pixelBuffer: buffers[i % buffers.count],
                                                       orientation: .right) else {
                    XCTFail("frame \(i) gave no prediction")
                    return
                }
                preprocess.append(p.timings.preprocessMs)
                inference.append(p.timings.inferenceMs)
                total.append(p.timings.totalMs)
            }
        }
        func p50(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let info = classifier.modelInfo()
        print(String(format: "movinet-bench ios: A0 1 thread, 1280x720 420v: total p50 %.3f ms, "
                     + "preprocess p50 %.3f ms, run p50 %.3f ms, %.1f fps, state %llu bytes",
                     p50(total), p50(preprocess), p50(inference), 1000 / p50(total), info.stateBytes))
    }
}
