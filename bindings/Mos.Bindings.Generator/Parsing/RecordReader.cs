// Structs and unions of the public headers: naming (tags, typedef names for unnamed
// records, parent_field for unnamed field types), discovery before any type is mapped,
// and layout (size, flattened fields with libclang's offsets).
using Mos.Bindings.Generator.Clang;
using Mos.Bindings.Generator.Mapping;
using Mos.Bindings.Generator.Model;

namespace Mos.Bindings.Generator.Parsing;

internal sealed class RecordReader(RecordTable records, SourceFiles sources)
{
    private readonly List<(CXCursor Cursor, string Name, string CSpelling)> recordDecls = [];
    private readonly Dictionary<string, string> anonymousNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> typedefTargets = new(StringComparer.Ordinal);

    /// <summary>Registers every struct and union the headers declare (names first, so
    /// field types can refer to records declared later).</summary>
    public void Discover(List<CXCursor> local)
    {
        foreach (CXCursor c in local.Where(c => c.Kind == CursorKind.TypedefDecl))
            NameAnonymousByTypedef(c);
        foreach (CXCursor c in local.Where(IsRecordDecl))
            DiscoverRecord(c, null);
    }

    private static bool IsRecordDecl(CXCursor c) => c.Kind is CursorKind.StructDecl or CursorKind.UnionDecl;

    public static bool IsUnnamed(CXCursor c)
    {
        string s = Cx.Spelling(c);
        return s.Length == 0 || s.Contains('(') || s.Contains(' ');
    }

    /// <summary>The typedef name given to an unnamed struct, union or enum, or "".</summary>
    public string TypedefNameOf(CXCursor unnamed) => anonymousNames.GetValueOrDefault(Cx.Usr(unnamed), "");

    private void NameAnonymousByTypedef(CXCursor typedef)
    {
        CXType under = Cx.Desugar(LibClang.clang_getTypedefDeclUnderlyingType(typedef));
        if (under.Kind == TypeKind.Pointer)
            NoteTypedefTarget(Cx.Desugar(LibClang.clang_getPointeeType(under)));
        NoteTypedefTarget(under);
        if (under.Kind is not (TypeKind.Record or TypeKind.Enum))
            return;
        CXCursor decl = LibClang.clang_getTypeDeclaration(under);
        if (IsUnnamed(decl))
            anonymousNames.TryAdd(Cx.Usr(decl), Cx.Spelling(typedef));
    }

    /// <summary>Remembers records named by a typedef (<c>typedef struct x x_t;</c>,
    /// <c>typedef struct x *x_handle;</c>): undefined ones are opaque types of the API.</summary>
    private void NoteTypedefTarget(CXType t)
    {
        if (t.Kind == TypeKind.Record)
            typedefTargets.Add(Cx.Usr(LibClang.clang_getTypeDeclaration(t)));
    }

    /// <summary>Where an unnamed struct used as a field's type gets its name from:
    /// <c>parent_field</c>, spelled in C through <c>__typeof__</c>.</summary>
    private sealed record FieldOwner(string Name, string CSpelling, string Field, int ArrayRank);

    private void DiscoverRecord(CXCursor c, FieldOwner? owner)
    {
        bool definition = LibClang.clang_isCursorDefinition(c) != 0;
        if (!definition && (records.Contains(c) || !Cx.IsNull(LibClang.clang_getCursorDefinition(c)) ||
                            !IsDeclaredOpaque(c)))
            return; // a repeated or forward declaration, or a tag only named by a pointer
        (string Name, string CSpelling)? naming = RecordName(c, owner);
        if (naming is not { } n)
            return;
        if (!records.Contains(c))
        {
            records.Add(c, n.Name);
            recordDecls.Add((c, n.Name, n.CSpelling));
        }
        if (definition)
            DiscoverNested(c, n.Name, n.CSpelling);
    }

    /// <summary>True for <c>struct x;</c> and typedef'd undefined structs (opaque types the
    /// header declares) and false for a tag first named inside another declaration
    /// (<c>struct conn_filter *cf;</c>), which libclang also lists as a declaration.</summary>
    private bool IsDeclaredOpaque(CXCursor c)
    {
        if (typedefTargets.Contains(Cx.Usr(c)))
            return true;
        var (_, end) = Cx.Extent(c);
        string text = sources.Text(end.File);
        int i = end.Offset;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
            i++;
        return i < text.Length && text[i] == ';';
    }

    private (string, string)? RecordName(CXCursor c, FieldOwner? owner)
    {
        string keyword = c.Kind == CursorKind.UnionDecl ? "union " : "struct ";
        if (!IsUnnamed(c))
            return (Cx.Spelling(c), keyword + Cx.Spelling(c));
        if (anonymousNames.TryGetValue(Cx.Usr(c), out string? typedefName))
            return (typedefName, typedefName);
        if (owner != null)
        {
            string index = string.Concat(Enumerable.Repeat("[0]", owner.ArrayRank));
            return (owner.Name + "_" + owner.Field, $"__typeof__((({owner.CSpelling} *)0)->{owner.Field}{index})");
        }
        return null; // an anonymous member: its fields are flattened into the parent
    }

    private void DiscoverNested(CXCursor record, string name, string cSpelling)
    {
        List<CXCursor> children = Cx.Children(record);
        foreach (CXCursor child in children.Where(IsRecordDecl))
        {
            if (LibClang.clang_Cursor_isAnonymousRecordDecl(child) != 0)
                DiscoverNested(child, name, cSpelling);
            else if (!IsUnnamed(child))
                DiscoverRecord(child, null);
        }
        foreach (CXCursor field in children.Where(f => f.Kind == CursorKind.FieldDecl))
        {
            CXCursor decl = ElementDecl(LibClang.clang_getCursorType(field), out int rank);
            if (IsRecordDecl(decl) && IsUnnamed(decl) && LibClang.clang_Cursor_isAnonymousRecordDecl(decl) == 0)
                DiscoverRecord(decl, new FieldOwner(name, cSpelling, Cx.Spelling(field), rank));
        }
    }

    private static CXCursor ElementDecl(CXType t, out int rank)
    {
        t = Cx.Desugar(t);
        rank = 0;
        while (t.Kind == TypeKind.ConstantArray)
        {
            t = Cx.Desugar(LibClang.clang_getArrayElementType(t));
            rank++;
        }
        return LibClang.clang_getTypeDeclaration(t);
    }

    public List<CRecord> BuildAll(TypeMapper types) =>
        recordDecls.Select(r => BuildRecord(r.Cursor, r.Name, r.CSpelling, types)).ToList();

    private CRecord BuildRecord(CXCursor c, string name, string cSpelling, TypeMapper types)
    {
        SourcePos pos = Cx.Position(c);
        Doc doc = DocComments.Clean(Cx.RawComment(c));
        bool union = c.Kind == CursorKind.UnionDecl;
        if (LibClang.clang_isCursorDefinition(c) == 0)
            return new CRecord(name, Path.GetFileName(pos.File), pos.Offset, doc, cSpelling, union, IsOpaque: true, 0, []);
        CXType type = LibClang.clang_getCursorType(c);
        var fields = new List<CField>();
        CollectFields(new FieldContext(type, name, types), c, fields, note: "");
        return new CRecord(name, Path.GetFileName(pos.File), pos.Offset, doc, cSpelling, union, IsOpaque: false,
            Cx.SizeOf(type, cSpelling), fields);
    }

    /// <summary>The record whose fields are being collected (offsets are relative to it).</summary>
    private sealed record FieldContext(CXType Top, string RecordName, TypeMapper Types);

    /// <summary>Fields in declaration order; members of anonymous structs and unions are
    /// flattened into the record with their absolute offsets.</summary>
    private void CollectFields(FieldContext ctx, CXCursor record, List<CField> fields, string note)
    {
        foreach (CXCursor child in Cx.Children(record))
        {
            if (IsRecordDecl(child) && LibClang.clang_Cursor_isAnonymousRecordDecl(child) != 0)
                CollectFields(ctx, child, fields,
                    child.Kind == CursorKind.UnionDecl ? "member of an anonymous union" : "member of an anonymous struct");
            else if (child.Kind == CursorKind.FieldDecl)
                fields.Add(BuildField(ctx, child, note));
        }
    }

    private CField BuildField(FieldContext ctx, CXCursor field, string note)
    {
        string name = Cx.Spelling(field);
        string where = $"{ctx.RecordName}.{name}";
        if (LibClang.clang_Cursor_isBitField(field) != 0)
            throw new GeneratorException($"{where}: bit-fields are not supported by the binding generator");
        CXType type = LibClang.clang_getCursorType(field);
        var (start, end) = Cx.Extent(field);
        return new CField(name, Cx.OffsetOf(ctx.Top, name), Cx.SizeOf(type, where), ctx.Types.Map(type, where),
            sources.Declaration(start.File, start.Offset, end.Offset), DocComments.Clean(Cx.RawComment(field)), note);
    }

    /// <summary>Finds and registers the system structs that Posix.cs mirrors, so that
    /// pointers to them are typed; their C layout goes into the probe.</summary>
    public List<CXCursor> DiscoverMirrors(List<CXCursor> all)
    {
        var found = new List<CXCursor>();
        foreach (string tag in CTypeMap.PosixMirrors)
        {
            int i = all.FindIndex(c => c.Kind == CursorKind.StructDecl && Cx.Spelling(c) == tag &&
                LibClang.clang_isCursorDefinition(c) != 0);
            if (i < 0)
                continue; // the headers do not use it: nothing to type, nothing to probe
            records.Add(all[i], tag);
            found.Add(all[i]);
        }
        return found;
    }

    public List<CRecord> BuildMirrors(List<CXCursor> decls, TypeMapper types) =>
        decls.Select(d => BuildRecord(d, Cx.Spelling(d), "struct " + Cx.Spelling(d), types) with
        {
            Header = "", Offset = 0, Doc = Doc.None,
        }).ToList();
}
