import Foundation

/// A plain-text table with a header row and left-aligned columns two spaces apart, like
/// `kubectl get` and `consul catalog services -tags`.
public struct TextTable: Sendable, Equatable {
    public var headers: [String]
    public var rows: [[String]]
    /// Cells longer than this are cut with `…` (last errors can be long; `--json` has them whole).
    public var maxCellWidth: Int

    public init(headers: [String], rows: [[String]] = [], maxCellWidth: Int = 100) {
        self.headers = headers
        self.rows = rows
        self.maxCellWidth = maxCellWidth
    }

    /// The rendered lines, without trailing spaces; headers only when there are no rows.
    public func render() -> String {
        let cells = ([headers] + rows).map { row in
            row.map { cell in
                let flat = cell.replacingOccurrences(of: "\n", with: " ")
                return flat.count > maxCellWidth ? String(flat.prefix(maxCellWidth - 1)) + "…" : flat
            }
        }
        var widths = Array(repeating: 0, count: headers.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return cells.map { row in
            var line = ""
            for (index, cell) in row.enumerated() where index < widths.count {
                line += index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }
            return line.trimmingTrailingSpaces
        }.joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
