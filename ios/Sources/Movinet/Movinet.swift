// The Movinet module: the generated bindings (MovinetFFI) plus Swift conveniences for
// camera buffers, async use and errors. Apps `import Movinet` only.

@_exported import MovinetFFI
import Foundation

// Fully qualified: a conformance of another module's type to another module's protocol.
extension MovinetFFI.MovinetError: Foundation.LocalizedError {
    /// The core's message, meant for users, with options named as Swift names them
    /// (`invalid option: topK must be at least 1, got 0`; the generated `InvalidOption` also
    /// carries the Rust and Python spelling as `message`).
    public var message: String {
        switch self {
        case let .ModelNotFound(message),
             let .Io(message),
             let .InvalidModel(message),
             let .ModelDigestMismatch(message),
             let .InvalidLabels(message),
             let .InvalidFrame(message),
             let .Runtime(message),
             let .Closed(message),
             let .InvalidActionSet(message):
            return message
        case let .InvalidOption(_, _, camelCaseMessage):
            return camelCaseMessage
        }
    }

    public var errorDescription: String? { message }
}

extension MovinetModel {
    /// Loads a model (and its labels) once, off the calling thread (compiling a model takes
    /// tens of milliseconds): make a classifier per camera or video from it with
    /// `newClassifier(options:)`; they share the model's memory.
    public static func load(
        modelURL: URL,
        labelsURL: URL? = nil,
        options: ModelOptions = ModelOptions()
    ) async throws -> MovinetModel {
        try await MovinetClassifier.onInferenceQueue {
            try MovinetModel(modelPath: modelURL.path, labelsPath: labelsURL?.path, options: options)
        }
    }

    /// The same from the model's bytes (read in place, not copied) and the labels' text.
    public static func load(
        modelData: Data,
        labelsText: String? = nil,
        options: ModelOptions = ModelOptions()
    ) async throws -> MovinetModel {
        try await MovinetClassifier.onInferenceQueue {
            try MovinetModel.fromBytes(model: modelData, labelsText: labelsText, options: options)
        }
    }
}

extension MovinetClassifier {
    /// Loads a model (and its labels) for this classifier alone, off the calling thread:
    /// compiling a model takes tens of milliseconds, too long for the main thread. For several
    /// streams on one model, load a `MovinetModel` instead.
    public static func load(
        modelURL: URL,
        labelsURL: URL? = nil,
        options: ClassifierOptions = ClassifierOptions(),
        modelOptions: ModelOptions = ModelOptions()
    ) async throws -> MovinetClassifier {
        try await onInferenceQueue {
            try MovinetClassifier(
                modelPath: modelURL.path,
                labelsPath: labelsURL?.path,
                options: options,
                modelOptions: modelOptions
            )
        }
    }

    /// The same from the model's bytes and the labels' text (e.g. from an asset catalog).
    public static func load(
        modelData: Data,
        labelsText: String? = nil,
        options: ClassifierOptions = ClassifierOptions(),
        modelOptions: ModelOptions = ModelOptions()
    ) async throws -> MovinetClassifier {
        try await onInferenceQueue {
            try MovinetClassifier.fromBytes(
                model: modelData, labelsText: labelsText, options: options, modelOptions: modelOptions
            )
        }
    }

    /// Classifies a frame whose planes' bytes are in `planes`, in the order of `frame.planes`
    /// (the bytes are read in place for the length of the call).
    public func classify(frame: Frame, planes: [Data]) throws -> Prediction? {
        guard planes.count <= 3 else {
            throw MovinetError.InvalidFrame(message: "invalid frame: \(planes.count) planes given, at most 3")
        }
        let bytes = planes + Array(repeating: Data(), count: 3 - planes.count)
        return try classify(frame: frame, plane0: bytes[0], plane1: bytes[1], plane2: bytes[2])
    }

    /// `classify(frame:planes:)` off the calling thread. Calls run one at a time, in the order
    /// they were made, on a serial queue shared by all classifiers.
    public func classify(frame: Frame, planes: [Data]) async throws -> Prediction? {
        try await Self.onInferenceQueue { try self.classify(frame: frame, planes: planes) }
    }

    /// `reset()` in order with the `async` classify calls made before it.
    public func reset() async throws {
        try await Self.onInferenceQueue { try self.reset() }
    }

    /// The action events as they start and end, without polling:
    ///
    /// ```swift
    /// for await change in classifier.events() {
    ///     switch change {
    ///     case let .started(event): show(current: event.label)
    ///     case .ended: show(current: nil)
    ///     }
    /// }
    /// ```
    ///
    /// Every `classify` call (from any thread, any of the Swift conveniences or the generated
    /// `classify(frame:plane0:plane1:plane2:)`) and `finishEvent()` yields the changes it made,
    /// in order; each prediction's `events` holds the same. The stream finishes when the
    /// classifier is closed; ending the loop stops the listening. Several streams may listen
    /// at once.
    public func events() -> AsyncStream<EventChange> {
        AsyncStream { continuation in
            let listener = StreamingEventListener(continuation)
            guard let id = try? addEventListener(listener: listener) else {
                // Closed already.
                continuation.finish()
                return
            }
            continuation.onTermination = { [weak self] _ in
                _ = self?.removeEventListener(id: id)
            }
        }
    }

    /// Where the `async` conveniences run: serial, so frames of a stream keep their order.
    static let inferenceQueue = DispatchQueue(label: "dev.movinet.inference", qos: .userInitiated)

    static func onInferenceQueue<T>(_ work: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            inferenceQueue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

/// Forwards the core's event changes into an `AsyncStream`; when the classifier lets go of it
/// (closed, or the stream stopped listening) the stream finishes.
private final class StreamingEventListener: EventListener, @unchecked Sendable {
    private let continuation: AsyncStream<EventChange>.Continuation

    init(_ continuation: AsyncStream<EventChange>.Continuation) {
        self.continuation = continuation
    }

    func onEvent(change: EventChange) {
        continuation.yield(change)
    }

    deinit {
        continuation.finish()
    }
}
