import AVFoundation
import Movinet
import SwiftUI

/// The camera session, the model in use and what the screen shows.
@MainActor
final class CameraModel: ObservableObject {
    /// The raw top 3 of the latest prediction: changes with every frame the model sees.
    @Published private(set) var categories: [PredictionCategory] = []
    /// The action under way, from the classifier's events: steady, changes only when an
    /// action starts or ends.
    @Published private(set) var action: Event?
    @Published private(set) var inferenceMs: Double?
    @Published private(set) var models: [ModelEntry] = []
    @Published private(set) var selected: ModelEntry?
    @Published private(set) var loading = false
    @Published private(set) var position: AVCaptureDevice.Position = .back
    @Published private(set) var message: String?
    /// "Teach an action" under way: where it is (nil: not teaching).
    @Published private(set) var teaching: TeachProgress?
    /// Names of the actions taught for the model in use (empty: the model's own classes).
    @Published private(set) var taught: [String] = []

    let session = AVCaptureSession()
    private let output = AVCaptureVideoDataOutput()
    private let sessionQueue = DispatchQueue(label: "dev.movinet.sample.session")
    private var processor: FrameProcessor!
    private var started = false
    private var eventsTask: Task<Void, Never>?
    /// Counts the user's model picks; a load applies only if no pick came after it.
    private var pick = 0
    /// The model the camera's classifier runs (the last one that loaded).
    private var running: ModelEntry?
    private var runningModel: MovinetModel?
    /// The actions taught for `runningModel`, kept in `ModelCatalog.actionsURL`.
    private var actions: ActionSet?

    init() {
        processor = FrameProcessor(
            onResult: { [weak self] result in Task { @MainActor in self?.show(result) } },
            onTeach: { [weak self] progress in Task { @MainActor in self?.teaching = progress } }
        )
    }

    /// Starts teaching the action `name`: three clips of it, each recorded when the user asks
    /// (`recordClip()`); then the classifier names the taught actions.
    func teach(_ name: String) {
        guard let model = runningModel, let entry = running else { return }
        let set = actions
        processor.teach(name) { [weak self] teacher, classifier in
            let into = try set ?? ActionSet(model: model)
            try teacher.commit(set: into)
            if let url = ModelCatalog.actionsURL(entry) { try into.save(path: url.path) }
            try classifier.setActions(actions: into)
            let names = into.names()
            Task { @MainActor in
                self?.actions = into
                self?.taught = names
                self?.action = nil
            }
        }
    }

    func recordClip() {
        processor.recordClip()
    }

    /// Back to the model's own classes; the saved actions are deleted.
    func forgetActions() {
        if let entry = running, let url = ModelCatalog.actionsURL(entry) {
            try? FileManager.default.removeItem(at: url)
        }
        actions = nil
        taught = []
        processor.withClassifier { try $0.setActions(actions: nil) }
    }

    /// Asks for the camera, lists the models, loads the first and starts the back camera.
    func start() async {
        guard !started else { return }
        started = true
        guard await AVCaptureDevice.requestAccess(for: .video) else {
            message = "Camera access is off: allow it in Settings > Privacy > Camera."
            return
        }
        refreshModels()
        configure(position: .back)
    }

    func refreshModels() {
        models = ModelCatalog.discover()
        if let first = models.first, selected == nil || !models.contains(selected!) {
            select(first)
        } else if models.isEmpty {
            message = "No model: add a .tflite and its labels to Sample/Models or to the app's Documents folder."
        }
    }

    /// Loads `entry` and switches the camera's classifier to it once it is ready. The latest
    /// pick wins: a load that finishes after a newer pick is closed unused, and its failure is
    /// not shown. A failed load never closes the classifier that is running: it goes on, and
    /// the picker goes back to it.
    func select(_ entry: ModelEntry) {
        pick += 1
        let request = pick
        selected = entry
        loading = true
        Task {
            do {
                // The defaults are the live ones: a 2 s horizon, so labels follow the action.
                let (model, classifier) = try await ModelCatalog.load(entry, options: ClassifierOptions(topK: 3))
                guard request == pick else {
                    // The user picked another model meanwhile.
                    return classifier.close()
                }
                switchTo(classifier, model: model, entry: entry)
            } catch {
                guard request == pick else { return }
                message = "\(entry.name): \(error.localizedDescription)"
                selected = running
                loading = false
            }
        }
    }

    /// Makes `classifier` the camera's (closing the one before it) and shows its results; the
    /// actions taught for this model before, if any, are loaded and given to it.
    private func switchTo(_ classifier: MovinetClassifier, model: MovinetModel, entry: ModelEntry) {
        actions = nil
        taught = []
        if let url = ModelCatalog.actionsURL(entry), FileManager.default.fileExists(atPath: url.path) {
            do {
                let set = try ActionSet.load(path: url.path, model: model)
                try classifier.setActions(actions: set)
                actions = set
                taught = set.names()
            } catch {
                // Another model's set, or a damaged file: the model's own classes instead.
                try? FileManager.default.removeItem(at: url)
            }
        }
        runningModel = model
        categories = []
        action = nil
        inferenceMs = nil
        eventsTask?.cancel()
        eventsTask = Task { [weak self] in
            // Finishes when the classifier is closed (another model, or none).
            for await change in classifier.events() {
                self?.apply(change)
            }
        }
        processor.use(classifier)
        running = entry
        message = nil
        loading = false
    }

    func reset() {
        processor.reset()
        categories = []
        action = nil
        inferenceMs = nil
    }

    func switchCamera() {
        configure(position: position == .back ? .front : .back)
    }

    private func apply(_ change: EventChange) {
        switch change {
        case let .started(event):
            action = event
        case let .ended(event):
            if action?.index == event.index { action = nil }
        }
    }

    private func show(_ result: Result<Prediction, Error>) {
        switch result {
        case let .success(prediction):
            categories = prediction.categories
            inferenceMs = prediction.timings.inferenceMs
        case let .failure(error):
            message = error.localizedDescription
        }
    }

    private func configure(position: AVCaptureDevice.Position) {
        self.position = position
        categories = []
        action = nil
        let session = session, output = output, processor = processor!
        sessionQueue.async {
            session.beginConfiguration()
            defer {
                session.commitConfiguration()
                if !session.isRunning { session.startRunning() }
            }
            session.sessionPreset = .vga640x480
            session.inputs.forEach(session.removeInput)
            guard let device = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: position),
                  let input = try? AVCaptureDeviceInput(device: device),
                  session.canAddInput(input)
            else {
                Task { @MainActor in self.message = "No \(position == .front ? "front" : "back") camera." }
                return
            }
            session.addInput(input)
            if !session.outputs.contains(output) {
                // 420f: NV12, full range, the cameras' native format (no conversion).
                output.videoSettings = [
                    kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_420YpCbCr8BiPlanarFullRange,
                ]
                output.alwaysDiscardsLateVideoFrames = true
                output.setSampleBufferDelegate(processor, queue: processor.queue)
                if session.canAddOutput(output) { session.addOutput(output) }
            }
            // The buffers keep the sensor's landscape orientation; the app is portrait only,
            // so the classifier turns them upright: a quarter turn clockwise, mirrored for the
            // front camera (as the preview shows it).
            processor.setOrientation(position == .front ? .leftMirrored : .right)
            // Another camera is another stream.
            processor.reset()
        }
    }
}
