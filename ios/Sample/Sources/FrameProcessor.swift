import AVFoundation
import ImageIO
import Movinet

/// Receives the camera's frames on its own serial queue and classifies them there, in
/// order. Its state is touched on `queue` only; late frames are dropped by the capture
/// output (`alwaysDiscardsLateVideoFrames`), and the classifier's pacing keeps about 5 of
/// the camera's frames a second for the model.
final class FrameProcessor: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate, @unchecked Sendable {
    let queue = DispatchQueue(label: "dev.movinet.sample.frames", qos: .userInitiated)

    private let onResult: @Sendable (Result<Prediction, Error>) -> Void
    // On `queue` only.
    private var classifier: MovinetClassifier?
    private var orientation: CGImagePropertyOrientation = .right

    init(onResult: @escaping @Sendable (Result<Prediction, Error>) -> Void) {
        self.onResult = onResult
    }

    /// Classifies with `classifier` from the next frame on (nil: stop); closes the one before.
    func use(_ classifier: MovinetClassifier?) {
        queue.async {
            self.classifier?.close()
            self.classifier = classifier
        }
    }

    /// How the camera's buffers are turned relative to upright.
    func setOrientation(_ orientation: CGImagePropertyOrientation) {
        queue.async { self.orientation = orientation }
    }

    /// Starts a new stream (a new scene, another camera).
    func reset() {
        queue.async {
            do {
                try self.classifier?.reset()
            } catch {
                self.onResult(.failure(error))
            }
        }
    }

    func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer,
                       from connection: AVCaptureConnection) {
        guard let classifier else { return }
        do {
            if let prediction = try classifier.classify(sampleBuffer: sampleBuffer, orientation: orientation) {
                onResult(.success(prediction))
            }
        } catch {
            onResult(.failure(error))
        }
    }
}
