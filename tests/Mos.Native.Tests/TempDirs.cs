// Temporary directories of one test run, all under one root removed when the run ends.
namespace Mos.Native.Tests;

internal static class TempDirs
{
    private static readonly Lazy<string> Root = new(() =>
    {
        string root = Directory.CreateTempSubdirectory("mos-native-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
        return root;
    });

    public static string Create(string prefix) =>
        Directory.CreateDirectory(Path.Combine(Root.Value, prefix + Guid.NewGuid().ToString("N"))).FullName;
}
