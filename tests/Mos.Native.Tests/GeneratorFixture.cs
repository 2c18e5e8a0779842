// The header model, read once per test run through the generator itself.
using Mos.Bindings.Generator;
using Mos.Bindings.Generator.Model;

namespace Mos.Native.Tests;

internal static class GeneratorFixture
{
    private static readonly Lazy<ApiModel> Cached = new(() => BindingGenerator.ReadModel(TestEnvironment.IncludeDir));

    public static ApiModel Model => Cached.Value;

    /// <summary>Generates into a fresh temporary directory (C# files and the probe).</summary>
    public static (GeneratorOptions Options, List<GeneratedFile> Files) GenerateInto(string includeDir)
    {
        string dir = TempDirs.Create("mos-bindgen-");
        var options = new GeneratorOptions(includeDir, dir, Path.Combine(dir, "layout_probe.c"));
        return (options, BindingGenerator.Generate(options));
    }

    public static Dictionary<string, string> ByName(IEnumerable<GeneratedFile> files) =>
        files.ToDictionary(f => Path.GetFileName(f.Path), f => f.Content, StringComparer.Ordinal);

    /// <summary>The committed outputs: every *.g.cs in bindings/Mos.Native/Generated and
    /// native/tools/layout_probe.c, by file name.</summary>
    public static Dictionary<string, string> Committed()
    {
        var files = Directory.GetFiles(TestEnvironment.GeneratedDir, "*" + BindingGenerator.GeneratedSuffix)
            .Append(TestEnvironment.ProbeSource);
        return files.ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
    }
}
