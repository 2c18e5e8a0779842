// Public entry points: read the headers into a model, produce every output file in
// memory, compare them with what is on disk, write them.
using Mos.Bindings.Generator.Clang;
using Mos.Bindings.Generator.Emit;
using Mos.Bindings.Generator.Model;
using Mos.Bindings.Generator.Parsing;

namespace Mos.Bindings.Generator;

/// <summary>Where the generator reads and writes. <see cref="ProbeFile"/> is the C
/// layout probe; <see cref="OutDir"/> receives the *.g.cs files.</summary>
public sealed record GeneratorOptions(string IncludeDir, string OutDir, string ProbeFile, string? ResourceDir = null);

public sealed record GeneratedFile(string Path, string Content);

public static class BindingGenerator
{
    public const string GeneratedSuffix = ".g.cs";

    /// <summary>The model of the public headers (also used by the binding tests).</summary>
    public static ApiModel ReadModel(string includeDir, string? resourceDir = null) =>
        HeaderParser.Parse(includeDir, ClangLocator.ResourceDir(resourceDir));

    /// <summary>Every output file with its full content, in a fixed order.</summary>
    public static List<GeneratedFile> Generate(GeneratorOptions o)
    {
        ApiModel model = ReadModel(o.IncludeDir, o.ResourceDir);
        var arrays = new InlineArrays();
        var emitter = new CSharpEmitter(arrays);
        var files = model.Headers
            .Select(h => new GeneratedFile(Path.Combine(o.OutDir, CsNames.FileStem(h.FileName) + GeneratedSuffix), emitter.Emit(h)))
            .ToList();
        files.Add(new GeneratedFile(Path.Combine(o.OutDir, "InlineArrays" + GeneratedSuffix), emitter.EmitInlineArrays()));
        files.Add(new GeneratedFile(o.ProbeFile, ProbeEmitter.Emit(model)));
        return files;
    }

    /// <summary>Files whose content on disk differs from <paramref name="files"/>, plus
    /// *.g.cs files in the output directory that the generator no longer produces.</summary>
    public static List<string> Stale(GeneratorOptions o, IReadOnlyList<GeneratedFile> files)
    {
        var stale = files.Where(f => !File.Exists(f.Path) || File.ReadAllText(f.Path) != f.Content)
            .Select(f => f.Path).ToList();
        stale.AddRange(Orphans(o, files));
        return stale;
    }

    /// <summary>Writes changed files, deletes orphaned *.g.cs; returns what changed.</summary>
    public static List<string> Write(GeneratorOptions o, IReadOnlyList<GeneratedFile> files)
    {
        List<string> changed = Stale(o, files);
        foreach (GeneratedFile f in files.Where(f => changed.Contains(f.Path)))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(f.Path)!);
            File.WriteAllText(f.Path, f.Content);
        }
        foreach (string orphan in Orphans(o, files))
            File.Delete(orphan);
        return changed;
    }

    private static IEnumerable<string> Orphans(GeneratorOptions o, IReadOnlyList<GeneratedFile> files)
    {
        if (!Directory.Exists(o.OutDir))
            return [];
        var produced = files.Select(f => Path.GetFullPath(f.Path)).ToHashSet(StringComparer.Ordinal);
        return Directory.GetFiles(o.OutDir, "*" + GeneratedSuffix)
            .Where(p => !produced.Contains(Path.GetFullPath(p)))
            .Order(StringComparer.Ordinal);
    }
}
