using System.Runtime.CompilerServices;

// The copy engine's stream checks are tested directly: real stores cannot be made to corrupt bytes.
[assembly: InternalsVisibleTo("Stateport.Relocation.Tests")]
