// Finds libclang and the clang resource directory (for stddef.h, stdbool.h), with a
// clear error when either is missing.
using System.Runtime.InteropServices;

namespace Mos.Bindings.Generator.Clang;

internal static class ClangLocator
{
    private static readonly string[] LibraryCandidates =
    [
        "/usr/lib/llvm-14/lib/libclang.so.1",
        "/usr/lib/x86_64-linux-gnu/libclang-14.so.1",
        "libclang.so.1",
        "libclang.so",
    ];

    private static readonly string[] ResourceDirCandidates =
    [
        "/usr/lib/llvm-14/lib/clang/14.0.6",
    ];

    private static readonly Lock Gate = new();
    private static string? loadedFrom;

    /// <summary>Installs the resolver that maps <see cref="LibClang.Name"/> to a real
    /// file: $MOS_LIBCLANG, then the Debian clang-14 paths, then the loader's search.</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (loadedFrom != null)
                return;
            nint handle = Load(out string path);
            NativeLibrary.SetDllImportResolver(typeof(ClangLocator).Assembly, (name, _, _) =>
                name == LibClang.Name ? handle : IntPtr.Zero);
            loadedFrom = path;
        }
    }

    private static nint Load(out string path)
    {
        var tried = new List<string>();
        foreach (string candidate in Candidates())
        {
            tried.Add(candidate);
            if (NativeLibrary.TryLoad(candidate, out nint handle))
            {
                path = candidate;
                return handle;
            }
        }
        throw new GeneratorException(
            "libclang was not found (tried: " + string.Join(", ", tried) + "). Install it " +
            "with 'apt-get install libclang1-14 libclang-common-14-dev' or set MOS_LIBCLANG " +
            "to the path of libclang.so.");
    }

    private static IEnumerable<string> Candidates()
    {
        string? env = Environment.GetEnvironmentVariable("MOS_LIBCLANG");
        if (!string.IsNullOrEmpty(env))
            return [env];
        return LibraryCandidates;
    }

    /// <summary>The clang resource directory: the explicit option, $MOS_CLANG_RESOURCE_DIR,
    /// the Debian clang-14 path, or the newest /usr/lib/llvm-*/lib/clang/* holding
    /// include/stddef.h.</summary>
    public static string ResourceDir(string? explicitDir)
    {
        string? env = Environment.GetEnvironmentVariable("MOS_CLANG_RESOURCE_DIR");
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(explicitDir))
            candidates.Add(explicitDir);
        else if (!string.IsNullOrEmpty(env))
            candidates.Add(env);
        else
            candidates.AddRange(ResourceDirCandidates.Concat(GlobResourceDirs()));
        foreach (string dir in candidates)
        {
            if (File.Exists(Path.Combine(dir, "include", "stddef.h")))
                return dir;
        }
        throw new GeneratorException(
            "clang resource directory with include/stddef.h not found (tried: " +
            string.Join(", ", candidates) + "). Install libclang-common-14-dev or pass " +
            "--resource-dir / set MOS_CLANG_RESOURCE_DIR.");
    }

    private static IEnumerable<string> GlobResourceDirs()
    {
        const string root = "/usr/lib";
        if (!Directory.Exists(root))
            return [];
        return Directory.EnumerateDirectories(root, "llvm-*")
            .Select(d => Path.Combine(d, "lib", "clang"))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateDirectories)
            .OrderByDescending(d => d, StringComparer.Ordinal);
    }
}
