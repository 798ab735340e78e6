import Foundation
import Movinet

/// A model the app can load: a `.tflite` file and the labels files that may go with it.
struct ModelEntry: Identifiable, Hashable {
    let name: String
    let modelURL: URL
    /// Tried in order; the first whose labels match the model's classes is used.
    let labelCandidates: [URL]

    var id: URL { modelURL }
}

/// Finds the models in the app bundle's `Models` folder and in the app's Documents folder
/// (shared in the Files app), and loads one with the right labels.
enum ModelCatalog {
    static func discover() -> [ModelEntry] {
        var folders: [URL] = []
        if let bundled = Bundle.main.url(forResource: "Models", withExtension: nil) {
            folders.append(bundled)
        }
        if let documents = FileManager.default.urls(for: .documentDirectory, in: .userDomainMask).first {
            folders.append(documents)
        }
        return folders.flatMap(entries(in:))
    }

    private static func entries(in folder: URL) -> [ModelEntry] {
        let files = (try? FileManager.default.contentsOfDirectory(
            at: folder, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])) ?? []
        let texts = files.filter { $0.pathExtension == "txt" }
        return files
            .filter { $0.pathExtension == "tflite" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
            .map { model in
                let stem = model.deletingPathExtension().lastPathComponent
                let prefix = stem.split(separator: "_").first.map(String.init) ?? stem
                let names = ["\(stem).txt", "\(stem)_labels.txt"]
                    + texts.map(\.lastPathComponent)
                        .filter { $0.hasPrefix(prefix) && $0.hasSuffix("labels.txt") }
                        .sorted()
                    + ["kinetics600_labels.txt"]
                var seen = Set<String>()
                let candidates = names
                    .filter { seen.insert($0).inserted }
                    .map { folder.appendingPathComponent($0) }
                    .filter { FileManager.default.fileExists(atPath: $0.path) }
                return ModelEntry(name: stem, modelURL: model, labelCandidates: candidates)
            }
    }

    /// SHA-256 of the official model files, as `models/manifest.toml` lists them (A1 and A2:
    /// not known yet, see there). A bundled file of that name with other bytes (a corrupted
    /// download, a replaced file) then fails to load with `MovinetError.ModelDigestMismatch`.
    static let officialSHA256: [String: String] = [
        "movinet_a0_stream_int8.tflite": "6125b36e2485eeb5cc1fd6206cf5e5d70235593fbc84610d1dce97fe3aa9c2ac",
    ]

    /// Loads the model with the first labels file that names exactly its classes (without
    /// labels, categories are class numbers), and a classifier on it. Other errors (a broken
    /// model) are thrown.
    static func load(_ entry: ModelEntry, options: ClassifierOptions) async throws
        -> (MovinetModel, MovinetClassifier)
    {
        let modelOptions = ModelOptions(modelSha256: officialSHA256[entry.modelURL.lastPathComponent])
        var model: MovinetModel?
        for labels in entry.labelCandidates {
            do {
                model = try await MovinetModel.load(modelURL: entry.modelURL, labelsURL: labels,
                                                    options: modelOptions)
                break
            } catch MovinetError.InvalidLabels(_) {
                continue
            }
        }
        let loaded: MovinetModel
        if let model {
            loaded = model
        } else {
            loaded = try await MovinetModel.load(modelURL: entry.modelURL, options: modelOptions)
        }
        return (loaded, try loaded.newClassifier(options: options))
    }

    /// Where the actions taught for a model are kept (the app's Documents folder).
    static func actionsURL(_ entry: ModelEntry) -> URL? {
        FileManager.default.urls(for: .documentDirectory, in: .userDomainMask).first?
            .appendingPathComponent("\(entry.name).actions")
    }
}
