// The structs and unions the bindings declare, keyed by libclang's USR so that every
// spelling of a record (tag, typedef, forward declaration) finds the same C# name.
using Mos.Bindings.Generator.Clang;

namespace Mos.Bindings.Generator.Parsing;

internal sealed class RecordTable
{
    private readonly Dictionary<string, string> namesByUsr = new(StringComparer.Ordinal);
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    public void Add(CXCursor decl, string csName)
    {
        if (!names.Add(csName))
            throw new GeneratorException($"two records would both be named '{csName}' in C#");
        namesByUsr[Key(decl)] = csName;
    }

    public bool Contains(CXCursor decl) => namesByUsr.ContainsKey(Key(decl));

    public string? CsName(CXCursor decl) => namesByUsr.GetValueOrDefault(Key(decl));

    private static string Key(CXCursor decl) => Cx.Usr(LibClang.clang_getCanonicalCursor(decl));
}
