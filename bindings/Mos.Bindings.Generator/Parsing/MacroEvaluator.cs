// Evaluates object-like macros of the public headers with clang itself: a second,
// in-memory translation unit declares `__auto_type mosgen_NAME = NAME;` for each
// macro and libclang's evaluator gives the value and its signedness. (Not parenthesised:
// libclang evaluates a string literal initialiser only when it is bare.)
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Mos.Bindings.Generator.Clang;
using Mos.Bindings.Generator.Model;

namespace Mos.Bindings.Generator.Parsing;

/// <summary>An object-like, non-empty macro found in a public header.</summary>
internal sealed record MacroCandidate(string Name, string Header, int Offset, Doc Doc, string Body);

internal static unsafe class MacroEvaluator
{
    private const string Prefix = "mosgen_";

    public static List<CConstant> Evaluate(IReadOnlyList<MacroCandidate> macros, string includes,
        string mainFile, IReadOnlyList<string> args)
    {
        var source = new StringBuilder(includes);
        foreach (MacroCandidate m in macros)
            source.Append("__auto_type ").Append(Prefix).Append(m.Name).Append(" = ").Append(m.Name).Append(";\n");
        using TranslationUnit tu = TranslationUnit.Parse(mainFile, source.ToString(), args, 0, out _);
        var vars = new Dictionary<string, CXCursor>(StringComparer.Ordinal);
        foreach (CXCursor c in Cx.Children(tu.Cursor))
        {
            string name = Cx.Spelling(c);
            if (c.Kind == CursorKind.VarDecl && name.StartsWith(Prefix, StringComparison.Ordinal))
                vars[name[Prefix.Length..]] = c;
        }
        return macros.Select(m => ToConstant(m, vars.TryGetValue(m.Name, out CXCursor v) ? v : null)).ToList();
    }

    private static CConstant ToConstant(MacroCandidate m, CXCursor? variable)
    {
        void* result = variable is { } v ? LibClang.clang_Cursor_Evaluate(v) : null;
        if (result == null)
            return Skipped(m, "not a constant expression");
        try
        {
            return LibClang.clang_EvalResult_getKind(result) switch
            {
                EvalKind.Int => Integer(m, result),
                EvalKind.StrLiteral => Text(m, Marshal.PtrToStringUTF8((nint)LibClang.clang_EvalResult_getAsStr(result)) ?? ""),
                _ => Skipped(m, "not an integer or string constant"),
            };
        }
        finally
        {
            LibClang.clang_EvalResult_dispose(result);
        }
    }

    private static CConstant Integer(MacroCandidate m, void* result)
    {
        bool hex = m.Body.Contains("0x", StringComparison.OrdinalIgnoreCase) || m.Body.Contains("<<", StringComparison.Ordinal);
        if (LibClang.clang_EvalResult_isUnsignedInt(result) != 0)
        {
            ulong u = LibClang.clang_EvalResult_getAsUnsigned(result);
            string type = u <= int.MaxValue ? "int" : u <= long.MaxValue ? "long" : "ulong";
            return new CConstant(m.Name, m.Header, m.Offset, m.Doc, m.Body, type, Literals.Unsigned(u, hex), null);
        }
        long s = LibClang.clang_EvalResult_getAsLongLong(result);
        string stype = s is >= int.MinValue and <= int.MaxValue ? "int" : "long";
        return new CConstant(m.Name, m.Header, m.Offset, m.Doc, m.Body, stype, Literals.Signed(s, hex), null);
    }

    private static CConstant Text(MacroCandidate m, string value) =>
        new(m.Name, m.Header, m.Offset, m.Doc, m.Body, "string", Literals.String(value), null);

    private static CConstant Skipped(MacroCandidate m, string reason) =>
        new(m.Name, m.Header, m.Offset, m.Doc, m.Body, "", "", reason);
}

/// <summary>C# literal spelling of constant values.</summary>
internal static class Literals
{
    public static string Unsigned(ulong value, bool hex) =>
        hex ? "0x" + value.ToString("X", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    public static string Signed(long value, bool hex) =>
        value >= 0 ? Unsigned((ulong)value, hex) : value.ToString(CultureInfo.InvariantCulture);

    public static string String(string value)
    {
        var sb = new StringBuilder("\"");
        foreach (char ch in value)
        {
            if (ch is '"' or '\\')
                sb.Append('\\').Append(ch);
            else if (ch < 0x20 || ch > 0x7e)
                sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
            else
                sb.Append(ch);
        }
        return sb.Append('"').ToString();
    }
}
