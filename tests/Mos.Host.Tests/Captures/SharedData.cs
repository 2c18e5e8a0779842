using System.Security.Cryptography;

namespace Mos.Host.Tests.Captures;

/// <summary>The shared real captures with expected outputs (../shared/data; env
/// MOS_SHARED_DATA overrides): paths and the TSV files beside them.</summary>
internal static class SharedData
{
    public static string Dir { get; } = Environment.GetEnvironmentVariable("MOS_SHARED_DATA")
        ?? Path.GetFullPath(Path.Combine(Repo.Root, "..", "shared", "data"));

    /// <summary>Fails the test with a clear message when the data is absent.</summary>
    public static void Require() =>
        Assert.True(Directory.Exists(Path.Combine(Dir, "expected")),
            $"the shared capture data is missing: {Dir}/expected does not exist (set MOS_SHARED_DATA to the data directory)");

    /// <summary>Every capture with expected output, as "source/name", sorted; a single
    /// "(missing)" entry when the data is absent, so the tests fail instead of vanishing.</summary>
    public static IReadOnlyList<string> Captures()
    {
        string expected = Path.Combine(Dir, "expected");
        if (!Directory.Exists(expected))
            return new[] { Missing };
        return Directory.GetDirectories(expected)
            .SelectMany(Directory.GetDirectories)
            .Where(d => File.Exists(Path.Combine(d, "connections.tsv")))
            .Select(d => Path.GetRelativePath(expected, d).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public const string Missing = "(shared data missing)";

    public static string Pcap(string capture) => Path.Combine(Dir, "pcaps", capture + ".pcap");

    public static string Expected(string capture, params string[] parts) =>
        Path.Combine(new[] { Dir, "expected", capture }.Concat(parts).ToArray());

    /// <summary>Rows of a TSV file with a header line, as column → value.</summary>
    public static List<Dictionary<string, string>> ReadTsv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var header = lines[0].Split('\t');
        return lines.Skip(1).Select(l =>
        {
            var cells = l.Split('\t');
            return header.Select((h, i) => (h, v: i < cells.Length ? cells[i] : "")).ToDictionary(x => x.h, x => x.v);
        }).ToList();
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>"N bytes, sha256 H, first difference at K" for assertion messages.</summary>
    public static string Describe(byte[] ours, byte[] expected)
    {
        int n = Math.Min(ours.Length, expected.Length);
        int at = 0;
        while (at < n && ours[at] == expected[at])
            at++;
        return $"ours {ours.Length} bytes (sha256 {Sha256(ours)}), expected {expected.Length} bytes, first difference at offset {at}";
    }
}
