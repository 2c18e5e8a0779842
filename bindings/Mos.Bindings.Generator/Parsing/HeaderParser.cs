// Reads every public header in one translation unit and builds the model of what they
// declare. Only declarations located in the include directory are kept.
using Mos.Bindings.Generator.Clang;
using Mos.Bindings.Generator.Model;

namespace Mos.Bindings.Generator.Parsing;

internal sealed class HeaderParser
{
    private readonly string includeDir;
    private readonly IReadOnlyList<string> args;
    private readonly SourceFiles sources = new();
    private readonly RecordReader records;
    private readonly TypeMapper types;

    private HeaderParser(string includeDir, string resourceDir)
    {
        this.includeDir = Path.GetFullPath(includeDir).TrimEnd('/');
        args = ["-x", "c", "-std=c11", "-D_GNU_SOURCE", "-resource-dir", resourceDir, "-I", this.includeDir];
        var table = new RecordTable();
        records = new RecordReader(table, sources);
        types = new TypeMapper(table, IsLocal);
    }

    /// <summary>The public headers in the include directory, in ordinal name order.</summary>
    public static List<string> HeaderNames(string includeDir)
    {
        if (!Directory.Exists(includeDir))
            throw new GeneratorException($"include directory not found: {includeDir}");
        var names = Directory.GetFiles(includeDir, "*.h").Select(p => Path.GetFileName(p)).ToList();
        names.Sort(StringComparer.Ordinal);
        if (names.Count == 0)
            throw new GeneratorException($"no headers (*.h) in {includeDir}");
        return names;
    }

    public static ApiModel Parse(string includeDir, string resourceDir) =>
        new HeaderParser(includeDir, resourceDir).Run();

    private string MainFile => Path.Combine(Path.GetTempPath(), "mosgen_bindings.c");

    private ApiModel Run()
    {
        List<string> headers = HeaderNames(includeDir);
        // <...>: found through -I only, never beside the (virtual) main file.
        string includes = string.Concat(headers.Select(h => $"#include <{h}>\n"));
        using TranslationUnit tu = TranslationUnit.Parse(MainFile, includes, args,
            TuFlags.DetailedPreprocessingRecord | TuFlags.SkipFunctionBodies, out List<string> errors);
        if (errors.Count > 0)
            throw new GeneratorException("the public headers do not compile:\n  " + string.Join("\n  ", errors));
        List<CXCursor> all = Cx.Children(tu.Cursor);
        List<CXCursor> local = all.Where(IsLocal).ToList();
        records.Discover(local);
        List<CXCursor> mirrorDecls = records.DiscoverMirrors(all);
        var decls = new List<CDecl>();
        decls.AddRange(records.BuildAll(types));
        decls.AddRange(local.SelectMany(c => Build(c)));
        decls.AddRange(MacroEvaluator.Evaluate(Macros(tu, local), includes, MainFile, args));
        return new ApiModel(Group(headers, decls), records.BuildMirrors(mirrorDecls, types));
    }

    private static List<HeaderModel> Group(List<string> headers, List<CDecl> decls) =>
        headers.Select(h => new HeaderModel(h, decls.Where(d => d.Header == h)
            .OrderBy(d => d.Offset).ThenBy(d => d.Name, StringComparer.Ordinal).ToList())).ToList();

    private bool IsLocal(CXCursor c)
    {
        string file = Cx.Position(c).File;
        return file.Length > 0 && Path.GetDirectoryName(Path.GetFullPath(file)) == includeDir;
    }

    private static (string Header, int Offset, string Path) Locate(CXCursor c)
    {
        SourcePos p = Cx.Position(c);
        return (Path.GetFileName(p.File), p.Offset, p.File);
    }

    // ---- functions, enums, typedefs --------------------------------------------------

    private IEnumerable<CDecl> Build(CXCursor c) => c.Kind switch
    {
        CursorKind.FunctionDecl => [BuildFunction(c)],
        CursorKind.EnumDecl when LibClang.clang_isCursorDefinition(c) != 0 => [BuildEnum(c)],
        CursorKind.TypedefDecl => [BuildTypedef(c)],
        CursorKind.VarDecl => throw new GeneratorException(
            $"{Locate(c).Header}: variable '{Cx.Spelling(c)}' — global variables are not supported in the public headers"),
        _ => [],
    };

    private CFunction BuildFunction(CXCursor c)
    {
        string name = Cx.Spelling(c);
        CXType fn = LibClang.clang_getCursorType(c);
        if (LibClang.clang_isFunctionTypeVariadic(fn) != 0)
            throw new GeneratorException($"{name}: variadic functions are not supported by the binding generator");
        var (header, offset, path) = Locate(c);
        var (start, end) = Cx.Extent(c);
        int n = LibClang.clang_Cursor_getNumArguments(c);
        var ps = new List<CParam>(n);
        for (uint i = 0; i < n; i++)
            ps.Add(BuildParam(c, fn, i, name, path));
        CsType ret = types.Map(LibClang.clang_getResultType(fn), name + " (return)");
        string cReturn = Cx.Spelling(LibClang.clang_getResultType(fn));
        return new CFunction(name, header, offset, DocComments.Clean(Cx.RawComment(c)), ret, cReturn, ps,
            sources.Declaration(path, start.Offset, end.Offset));
    }

    private CParam BuildParam(CXCursor function, CXType fn, uint i, string fnName, string path)
    {
        CXCursor arg = LibClang.clang_Cursor_getArgument(function, i);
        string name = Cx.Spelling(arg);
        if (name.Length == 0)
            name = "arg" + i;
        var (start, end) = Cx.Extent(arg);
        CsType type = types.MapParameter(LibClang.clang_getArgType(fn, i), $"{fnName}({name})");
        return new CParam(name, type, sources.Declaration(path, start.Offset, end.Offset));
    }

    private CEnum BuildEnum(CXCursor c)
    {
        var (header, offset, path) = Locate(c);
        string name = RecordReader.IsUnnamed(c) ? records.TypedefNameOf(c) : Cx.Spelling(c);
        bool unsignedEnum = IsUnsigned(LibClang.clang_getEnumDeclIntegerType(c));
        var members = Cx.Children(c).Where(m => m.Kind == CursorKind.EnumConstantDecl)
            .Select(m => BuildEnumerator(m, path, unsignedEnum)).ToList();
        return new CEnum(name, header, offset, DocComments.Clean(Cx.RawComment(c)), EnumUnderlying(members), members);
    }

    /// <summary>The value of an enumerator; an unsigned enum's values are read unsigned
    /// (0xFFFFFFFFu is 4294967295, not -1).</summary>
    private static long EnumValue(CXCursor m, bool unsignedEnum) =>
        unsignedEnum ? unchecked((long)LibClang.clang_getEnumConstantDeclUnsignedValue(m)) : LibClang.clang_getEnumConstantDeclValue(m);

    private static bool IsUnsigned(CXType integer) =>
        Cx.Desugar(LibClang.clang_getCanonicalType(integer)).Kind is TypeKind.UChar or TypeKind.UShort or TypeKind.UInt
            or TypeKind.ULong or TypeKind.ULongLong or TypeKind.CharU or TypeKind.Bool;

    private CEnumerator BuildEnumerator(CXCursor m, string path, bool unsignedEnum)
    {
        var (start, end) = Cx.Extent(m);
        string text = sources.Declaration(path, start.Offset, end.Offset);
        int eq = text.IndexOf('=');
        string source = eq < 0 ? "" : text[(eq + 1)..].Trim();
        return new CEnumerator(Cx.Spelling(m), EnumValue(m, unsignedEnum), source, DocComments.Clean(Cx.RawComment(m)));
    }

    /// <summary>int, unless a member is bit 31 written as INT_MIN next to non-negative
    /// flags (MOS_HK_SND, MOS_EPOLLET): then uint, so the bit reads 0x80000000.</summary>
    internal static string EnumUnderlying(IReadOnlyList<CEnumerator> members)
    {
        bool allInt = members.All(m => m.Value is >= int.MinValue and <= int.MaxValue);
        bool bit31Flags = members.Any(m => m.Value == int.MinValue) &&
                          members.All(m => m.Value == int.MinValue || m.Value >= 0);
        if (bit31Flags || (!allInt && members.All(m => m.Value is >= 0 and <= uint.MaxValue)))
            return "uint";
        return allInt ? "int" : "long";
    }

    private CTypedef BuildTypedef(CXCursor c)
    {
        var (header, offset, path) = Locate(c);
        string name = Cx.Spelling(c);
        CsType type = types.Map(LibClang.clang_getTypedefDeclUnderlyingType(c), "typedef " + name);
        var (start, end) = Cx.Extent(c);
        string decl = sources.Declaration(path, start.Offset, end.Offset);
        return new CTypedef(name, header, offset, DocComments.Clean(Cx.RawComment(c)), type, ShortTypedef(decl, name));
    }

    private static string ShortTypedef(string decl, string name)
    {
        int open = decl.IndexOf('{');
        return open < 0 ? decl : decl[..open].TrimEnd() + " { ... } " + name;
    }

    // ---- macros ----------------------------------------------------------------------

    /// <summary>The replacement text of a macro as written (comments removed).</summary>
    private string MacroBody(CXCursor c, string name, string path)
    {
        var (start, end) = Cx.Extent(c);
        string text = sources.Declaration(path, start.Offset, end.Offset);
        return text.StartsWith(name, StringComparison.Ordinal) ? text[name.Length..].Trim() : text;
    }

    private List<MacroCandidate> Macros(TranslationUnit tu, List<CXCursor> local)
    {
        var list = new List<MacroCandidate>();
        foreach (CXCursor c in local.Where(c => c.Kind == CursorKind.MacroDefinition))
        {
            if (LibClang.clang_Cursor_isMacroFunctionLike(c) != 0 || LibClang.clang_Cursor_isMacroBuiltin(c) != 0)
                continue;
            List<string> tokens = tu.Tokens(c);
            if (tokens.Count <= 1)
                continue; // empty: header guards and marker macros
            var (header, offset, path) = Locate(c);
            Doc doc = DocComments.ForLine(sources.Text(path), sources.LineStart(path, offset));
            list.Add(new MacroCandidate(tokens[0], header, offset, doc, MacroBody(c, tokens[0], path)));
        }
        return list;
    }
}
