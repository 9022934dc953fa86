import ClinicStorage
import Crypto
import Foundation
import _CryptoExtras

/// Salted, slow password hashes: scrypt, with its parameters stored beside the salt so they can be
/// raised later without invalidating existing accounts.
///
/// Format: `scrypt$N$r$p$SALT$KEY`, salt and key in base64.
package enum Passwords {
    /// scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s here): the parameters RFC 7914
    /// section 2 discusses for interactive logins, raised from its 2^14 example.
    static let rounds = 1 << 15
    static let blockSize = 8
    static let parallelism = 1
    /// The shortest password accepted for a new account.
    package static let minimumLength = 8
    /// The hash of an account made by a replay: no password matches it, so it signs in only
    /// during a replay.
    package static let unusable = "replayed: no password"

    /// A hash no password opens, checked for an unknown name so that it costs what a wrong
    /// password costs (a name cannot be told to exist by how long the answer takes).
    package static let decoy: String = (try? hash(UUID().uuidString)) ?? unusable

    /// A new salted hash of `password`. `rounds` is scrypt's N; only tests lower it, to sign quickly.
    package static func hash(_ password: String, rounds: Int = Passwords.rounds) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: 0...255, using: &generator) }
        let key = try derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(rounds)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(key.base64EncodedString())"
    }

    /// Whether `password` matches `stored`, compared in constant time.
    package static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5]),
              n > 1, n <= 1 << 20, r > 0, r <= 32, p > 0, p <= 16,
              let key = try? derive(password, salt: Array(salt), rounds: n, blockSize: r, parallelism: p),
              key.count == expected.count
        else { return false }
        return zip(key, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32,
                                           rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Data($0) }
    }
}
