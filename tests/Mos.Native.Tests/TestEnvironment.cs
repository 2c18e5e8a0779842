// Paths the binding tests read: repository, native build output, shared specification.
using System.Reflection;

namespace Mos.Native.Tests;

internal static class TestEnvironment
{
    public const string NativeBuildHint =
        "run the native build first: cmake -S native -B build/native -G Ninja && cmake --build build/native " +
        "(or ./build.sh build), then rebuild the tests";

    public static string RepoRoot => Metadata("MosRepoRoot");

    /// <summary>$MOS_NATIVE_BUILD_DIR, else MSBuild's MosNativeBuildDir (build/native/).</summary>
    public static string NativeBuildDir =>
        Environment.GetEnvironmentVariable("MOS_NATIVE_BUILD_DIR") is { Length: > 0 } env ? env : Metadata("MosNativeBuildDir");

    /// <summary>$MOS_SHARED_DIR, else ../shared beside the repository.</summary>
    public static string SharedDir =>
        Environment.GetEnvironmentVariable("MOS_SHARED_DIR") is { Length: > 0 } env
            ? env
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string IncludeDir => Path.Combine(RepoRoot, "native", "mtcp", "include");

    public static string GeneratedDir => Path.Combine(RepoRoot, "bindings", "Mos.Native", "Generated");

    public static string ProbeSource => Path.Combine(RepoRoot, "native", "tools", "layout_probe.c");

    private static string Metadata(string key) =>
        typeof(TestEnvironment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == key).Value ?? throw new InvalidOperationException($"no {key} metadata");
}
