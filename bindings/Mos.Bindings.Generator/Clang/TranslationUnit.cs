// One parsed C translation unit held in memory (the source is an unsaved buffer).
using System.Text;

namespace Mos.Bindings.Generator.Clang;

internal sealed unsafe class TranslationUnit : IDisposable
{
    private void* index;
    private void* tu;

    private TranslationUnit(void* index, void* tu)
    {
        this.index = index;
        this.tu = tu;
    }

    public void* Handle => tu;

    public CXCursor Cursor => LibClang.clang_getTranslationUnitCursor(tu);

    /// <summary>Parses <paramref name="source"/> as the file <paramref name="fileName"/>.
    /// Errors in the code are returned, not thrown, so callers can decide.</summary>
    public static TranslationUnit Parse(string fileName, string source, IReadOnlyList<string> args,
        uint options, out List<string> errors)
    {
        ClangLocator.Install();
        void* index = LibClang.clang_createIndex(0, 0);
        void* tu = ParseInto(index, fileName, source, args, options);
        var unit = new TranslationUnit(index, tu);
        errors = unit.Errors();
        return unit;
    }

    private static void* ParseInto(void* index, string fileName, string source,
        IReadOnlyList<string> args, uint options)
    {
        byte[] name = Cx.Utf8Z(fileName);
        byte[] text = Encoding.UTF8.GetBytes(source);
        byte[][] argBytes = args.Select(Cx.Utf8Z).ToArray();
        var handles = argBytes.Select(a => System.Runtime.InteropServices.GCHandle.Alloc(a,
            System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            byte** argv = stackalloc byte*[Math.Max(1, argBytes.Length)];
            for (int i = 0; i < argBytes.Length; i++)
                argv[i] = (byte*)handles[i].AddrOfPinnedObject();
            fixed (byte* pName = name)
            fixed (byte* pText = text)
            {
                var unsaved = new CXUnsavedFile { Filename = pName, Contents = pText, Length = (nuint)text.Length };
                void* result = null;
                int rc = LibClang.clang_parseTranslationUnit2(index, pName, argv, argBytes.Length,
                    &unsaved, 1, options, &result);
                if (rc != 0 || result == null)
                    throw new GeneratorException($"libclang failed to parse {fileName} (CXErrorCode {rc})");
                return result;
            }
        }
        finally
        {
            foreach (var h in handles)
                h.Free();
        }
    }

    private List<string> Errors()
    {
        var errors = new List<string>();
        uint n = LibClang.clang_getNumDiagnostics(tu);
        for (uint i = 0; i < n; i++)
        {
            void* d = LibClang.clang_getDiagnostic(tu, i);
            if (LibClang.clang_getDiagnosticSeverity(d) >= LibClang.DiagnosticError)
                errors.Add(Cx.Take(LibClang.clang_formatDiagnostic(d, LibClang.clang_defaultDiagnosticDisplayOptions())));
            LibClang.clang_disposeDiagnostic(d);
        }
        return errors;
    }

    public List<string> Tokens(CXCursor c) => Cx.Tokens(tu, c);

    public void Dispose()
    {
        if (tu != null)
            LibClang.clang_disposeTranslationUnit(tu);
        if (index != null)
            LibClang.clang_disposeIndex(index);
        tu = null;
        index = null;
    }
}
