import SwiftUI

@main
struct MovinetSampleApp: App {
    var body: some Scene {
        WindowGroup {
            ContentView()
        }
    }
}
