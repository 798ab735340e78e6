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
    private let onTeach: @Sendable (TeachProgress?) -> Void
    // On `queue` only.
    private var classifier: MovinetClassifier?
    private var orientation: CGImagePropertyOrientation = .right
    /// "Teach an action" under way: the core's teacher (its rules: 3 clips of 3 s) and what to
    /// do with the clips once they are all recorded.
    private var teacher: ActionTeacher?
    private var whenTaught: ((ActionTeacher, MovinetClassifier) throws -> Void)?

    init(onResult: @escaping @Sendable (Result<Prediction, Error>) -> Void,
         onTeach: @escaping @Sendable (TeachProgress?) -> Void) {
        self.onResult = onResult
        self.onTeach = onTeach
    }

    /// Starts teaching the action `name` with the running classifier: each `recordClip()`
    /// records one clip; after the last, `done` gets the teacher (to commit its clips).
    func teach(_ name: String, done: @escaping (ActionTeacher, MovinetClassifier) throws -> Void) {
        queue.async {
            guard let classifier = self.classifier else { return }
            do {
                self.teacher = try ActionTeacher(name: name, classifier: classifier)
                self.whenTaught = done
                self.recordClipOnQueue()
            } catch {
                self.onResult(.failure(error))
            }
        }
    }

    /// Records the next clip of the action being taught.
    func recordClip() {
        queue.async { self.recordClipOnQueue() }
    }

    private func recordClipOnQueue() {
        guard let teacher, let classifier else { return }
        do {
            onTeach(try teacher.startClip(classifier: classifier))
        } catch {
            onResult(.failure(error))
        }
    }

    /// Runs `work` with the classifier on the frames' queue (e.g. to give it an action set).
    func withClassifier(_ work: @escaping (MovinetClassifier) throws -> Void) {
        queue.async {
            guard let classifier = self.classifier else { return }
            do {
                try work(classifier)
            } catch {
                self.onResult(.failure(error))
            }
        }
    }

    /// Classifies with `classifier` from the next frame on (nil: stop); closes the one before
    /// and drops any teaching under way.
    func use(_ classifier: MovinetClassifier?) {
        queue.async {
            self.classifier?.close()
            self.classifier = classifier
            self.teacher = nil
            self.whenTaught = nil
            self.onTeach(nil)
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
                if let teacher {
                    let progress = try teacher.afterFrame(classifier: classifier)
                    if progress.done {
                        try whenTaught?(teacher, classifier)
                        self.teacher = nil
                        self.whenTaught = nil
                        onTeach(nil)
                    } else {
                        onTeach(progress)
                    }
                }
            }
        } catch {
            onResult(.failure(error))
        }
    }
}
