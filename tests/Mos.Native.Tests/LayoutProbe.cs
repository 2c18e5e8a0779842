// Runs build/native/tools/mos_layout_probe and parses its output.
using System.Diagnostics;
using System.Globalization;

namespace Mos.Native.Tests;

internal sealed record ProbeField(string Name, long Offset, long Size);

internal sealed record ProbeRecord(string Name, long Size, bool Opaque, List<ProbeField> Fields);

internal static class LayoutProbe
{
    private static readonly Lazy<List<ProbeRecord>> Cached = new(Run);

    public static List<ProbeRecord> Records => Cached.Value;

    public static string Executable => Path.Combine(TestEnvironment.NativeBuildDir, "tools", "mos_layout_probe");

    private static List<ProbeRecord> Run()
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"layout probe {Executable} not found: {TestEnvironment.NativeBuildHint}");
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, UseShellExecute = false };
        using Process p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Executable} exited with {p.ExitCode}");
        return Parse(output);
    }

    public static List<ProbeRecord> Parse(string output)
    {
        var records = new List<ProbeRecord>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split('\t');
            switch (f[0])
            {
                case "struct":
                    records.Add(new ProbeRecord(f[1], Num(f[2]), false, []));
                    break;
                case "opaque":
                    records.Add(new ProbeRecord(f[1], 0, true, []));
                    break;
                case "field":
                    records.Single(r => r.Name == f[1]).Fields.Add(new ProbeField(f[2], Num(f[3]), Num(f[4])));
                    break;
                default:
                    throw new FormatException($"unexpected probe line '{line}'");
            }
        }
        return records;
    }

    private static long Num(string s) => long.Parse(s, CultureInfo.InvariantCulture);
}
