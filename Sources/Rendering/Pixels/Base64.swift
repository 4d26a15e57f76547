/// Standard base64 (RFC 4648, with padding), as the kitty and iTerm2 image payloads carry it.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0x3D, count: (bytes.count + 2) / 3 * 4)  // "=" padding
        alphabet.withUnsafeBufferPointer { a in
            bytes.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    var i = 0, j = 0
                    while i + 3 <= s.count {
                        let v = UInt32(s[i]) << 16 | UInt32(s[i + 1]) << 8 | UInt32(s[i + 2])
                        o[j] = a[Int(v >> 18)]
                        o[j + 1] = a[Int((v >> 12) & 63)]
                        o[j + 2] = a[Int((v >> 6) & 63)]
                        o[j + 3] = a[Int(v & 63)]
                        i += 3
                        j += 4
                    }
                    let rest = s.count - i
                    if rest > 0 {
                        let v = UInt32(s[i]) << 16 | (rest == 2 ? UInt32(s[i + 1]) << 8 : 0)
                        o[j] = a[Int(v >> 18)]
                        o[j + 1] = a[Int((v >> 12) & 63)]
                        if rest == 2 { o[j + 2] = a[Int((v >> 6) & 63)] }
                    }
                }
            }
        }
        return out
    }
}
