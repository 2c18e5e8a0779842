using System.Diagnostics;
using System.Reflection;

namespace Mos.Host.Tests;

/// <summary>Paths of the repository and of the published `mos` binary.</summary>
internal static class Repo
{
    public static string Root { get; } = Path.GetFullPath(
        typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "MosRepoRoot").Value!);

    public static string Config(string name) => Path.Combine(Root, "config", name);

    /// <summary>The NativeAOT binary `./build.sh build` publishes (env MOS_BIN overrides).</summary>
    public static string MosBinary
    {
        get
        {
            string path = Environment.GetEnvironmentVariable("MOS_BIN") ?? Path.Combine(Root, "build", "bin", "mos");
            Assert.True(File.Exists(path), $"{path} is missing: run ./build.sh build first");
            return path;
        }
    }

    /// <summary>Runs a program and returns its exit code and output (bounded by 60 s).</summary>
    public static (int Code, string Out, string Err) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within 60 s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A temporary file with <paramref name="text"/>, deleted on dispose.</summary>
    public sealed class TempFile : IDisposable
    {
        public TempFile(string text, string suffix = ".conf")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mos-test-{Guid.NewGuid():N}{suffix}");
            File.WriteAllText(Path, text);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
