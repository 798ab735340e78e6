import Movinet
import SwiftUI

/// Camera preview with the current action (from the classifier's events: steady) and, beside
/// it, the raw top 3 of the latest prediction with their scores and the inference time; a model
/// picker, reset, and a front/back camera switch.
struct ContentView: View {
    @StateObject private var camera = CameraModel()
    @State private var naming = false
    @State private var name = ""

    var body: some View {
        ZStack {
            CameraPreview(session: camera.session)
                .ignoresSafeArea()
            VStack(spacing: 12) {
                modelBar
                Spacer()
                if let message = camera.message {
                    Text(message)
                        .font(.footnote)
                        .padding(8)
                        .background(Color.red.opacity(0.8), in: RoundedRectangle(cornerRadius: 8))
                        .foregroundColor(.white)
                }
                predictions
                controls
            }
            .padding()
        }
        .task { await camera.start() }
        .sheet(isPresented: $naming) {
            NavigationView {
                Form {
                    Section(footer: Text("Then record three short clips of it, each when you are ready.")) {
                        TextField("Its name, e.g. squat", text: $name)
                    }
                }
                .navigationTitle("Teach an action")
                .toolbar {
                    ToolbarItem(placement: .cancellationAction) {
                        Button("Cancel") { naming = false }
                    }
                    ToolbarItem(placement: .confirmationAction) {
                        Button("Record clip 1") {
                            camera.teach(name.trimmingCharacters(in: .whitespaces))
                            naming = false
                        }
                        .disabled(name.trimmingCharacters(in: .whitespaces).isEmpty)
                    }
                }
            }
        }
    }

    /// "Teach…", or where the teaching is: the next clip to record, or the one recording.
    private var teachButton: some View {
        Button {
            if camera.teaching == nil {
                name = ""
                naming = true
            } else if camera.teaching?.recording == false {
                camera.recordClip()
            }
        } label: {
            if let p = camera.teaching {
                if p.recording {
                    Text(verbatim: "Clip \(p.clipsDone + 1)/\(p.clips): \(Int(p.clipFraction * 100)) %")
                        .monospacedDigit()
                } else {
                    Text(verbatim: "Record clip \(p.clipsDone + 1)/\(p.clips)")
                }
            } else {
                Label("Teach…", systemImage: "graduationcap")
            }
        }
        .contextMenu {
            if !camera.taught.isEmpty {
                Button(role: .destructive) {
                    camera.forgetActions()
                } label: {
                    Label("Forget \(camera.taught.joined(separator: ", "))", systemImage: "trash")
                }
            }
        }
    }

    private var modelBar: some View {
        HStack {
            Menu {
                ForEach(camera.models) { entry in
                    Button {
                        camera.select(entry)
                    } label: {
                        if entry == camera.selected {
                            Label(entry.name, systemImage: "checkmark")
                        } else {
                            Text(entry.name)
                        }
                    }
                }
                Button {
                    camera.refreshModels()
                } label: {
                    Label("Refresh list", systemImage: "arrow.clockwise")
                }
            } label: {
                Label(camera.selected?.name ?? "Choose a model", systemImage: "cpu")
                    .lineLimit(1)
            }
            if camera.loading { ProgressView() }
            Spacer()
        }
        .padding(10)
        .background(.ultraThinMaterial, in: RoundedRectangle(cornerRadius: 12))
    }

    private var predictions: some View {
        VStack(alignment: .leading, spacing: 8) {
            HStack(alignment: .firstTextBaseline) {
                Text("Now").font(.caption).foregroundColor(.secondary)
                Text(camera.action?.label ?? "—")
                    .font(.title2.bold())
                    .lineLimit(1)
                Spacer()
            }
            .animation(.default, value: camera.action?.index)
            Divider()
            Text("Latest frame").font(.caption).foregroundColor(.secondary)
            if camera.categories.isEmpty {
                Text(camera.loading ? "Loading the model…" : "Watching…")
                    .foregroundColor(.secondary)
            }
            ForEach(camera.categories, id: \.index) { category in
                VStack(alignment: .leading, spacing: 2) {
                    HStack {
                        Text(category.label).font(.headline).lineLimit(1)
                        Spacer()
                        Text(Double(category.score), format: .percent.precision(.fractionLength(0)))
                            .monospacedDigit()
                    }
                    ProgressView(value: Double(category.score))
                }
            }
            if let ms = camera.inferenceMs {
                Text("inference \(ms, specifier: "%.1f") ms")
                    .font(.caption)
                    .monospacedDigit()
                    .foregroundColor(.secondary)
            }
        }
        .padding()
        .frame(maxWidth: .infinity, alignment: .leading)
        .background(.ultraThinMaterial, in: RoundedRectangle(cornerRadius: 12))
        .animation(.default, value: camera.categories.map(\.index))
    }

    private var controls: some View {
        HStack {
            Button {
                camera.reset()
            } label: {
                Label("Reset", systemImage: "arrow.counterclockwise")
            }
            Spacer()
            teachButton
            Spacer()
            Button {
                camera.switchCamera()
            } label: {
                Label(camera.position == .back ? "Front camera" : "Back camera",
                      systemImage: "arrow.triangle.2.circlepath.camera")
            }
        }
        .buttonStyle(.borderedProminent)
    }
}
