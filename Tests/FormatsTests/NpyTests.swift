import Testing
@testable import Formats

/// The `.npy` header parser, the chunk layout and the guessed axis names, one unit at a time
/// (tests/python/test_npy.py compares whole files with NumPy).
@Suite struct NpyTests {
    @Test func parsesNumPysOwnHeaders() throws {
        let h = try NpyArray.parse("{'descr': '<u2', 'fortran_order': False, 'shape': (3, 4), }          \n")
        #expect(h.dataType == .uint16 && !h.bigEndian && !h.fortranOrder && h.shape == [3, 4])
        let f = try NpyArray.parse("{\"descr\": \">f8\", \"fortran_order\": True, \"shape\": (2, 5, 7)}")
        #expect(f.dataType == .float64 && f.bigEndian && f.fortranOrder && f.shape == [2, 5, 7])
        #expect(try NpyArray.parse("{'descr': '|b1', 'fortran_order': False, 'shape': (9,), }").shape == [9])
        #expect(try NpyArray.parse("{'descr': '<f4', 'fortran_order': False, 'shape': (), }").shape == [])
        #expect(try NpyArray.parse("{'descr': '<i8', 'fortran_order': False, 'shape': (3L, 4L), }").shape == [3, 4])
        // A 1-D array is the same bytes in either order.
        #expect(try NpyArray.parse("{'descr': '<i4', 'fortran_order': True, 'shape': (5,), }").fortranOrder == false)
    }

    @Test func refusesHeadersThatAreNotPlainArrays() {
        for bad in [
            "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': [('a', '<u2')], 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (-1, 2), }",
            "{'descr': '<u2', 'fortran_order': 0, 'shape': (2,), }",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (99999999999999999999,), }",
            "{'descr': '<u2', 'descr': '<u2', 'fortran_order': False, 'shape': (2,), }",
            "{'descr': '<u2', 'fortran_order': False}",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (2,)} trailing",
            "{'descr': '<u2",
            "", "[1, 2]",
        ] {
            #expect(throws: FormatError.self, "\(bad)") { try NpyArray.parse(bad) }
        }
    }

    @Test func chunksAreBandsOfAPlane() {
        // A small plane is one chunk; a big one is bands of rows (C) or columns (Fortran) of about 4 MiB.
        #expect(NpyArray.chunkShape([5, 100, 80], elementSize: 2, fortran: false) == [1, 100, 80])
        #expect(NpyArray.chunkShape([4096, 4096], elementSize: 4, fortran: false) == [256, 4096])
        #expect(NpyArray.chunkShape([4096, 4096], elementSize: 4, fortran: true) == [4096, 256])
        #expect(NpyArray.chunkShape([3, 1 << 24], elementSize: 8, fortran: false) == [1, 1 << 19])
        #expect(NpyArray.chunkShape([1 << 24], elementSize: 1, fortran: false) == [1 << 22])
        #expect(NpyArray.chunkShape([0, 7], elementSize: 1, fortran: false) == [1, 7])
        #expect(NpyArray.chunkShape([], elementSize: 8, fortran: false) == [])
    }

    @Test func axisNamesGuessedFromTheShape() {
        #expect(AxisNames.guessed(shape: [3, 199, 201, 1024, 768]) == ["c", "t", "z", "y", "x"])
        #expect(AxisNames.guessed(shape: [199, 3, 201, 1024, 768]) == ["t", "c", "z", "y", "x"])
        #expect(AxisNames.guessed(shape: [2, 3, 201, 1024, 768]) == nil)
        #expect(AxisNames.guessed(shape: [20, 30, 201, 1024, 768]) == nil)
        #expect(AxisNames.guessed(shape: [8, 9, 5, 64, 64]) == ["c", "t", "z", "y", "x"])
        #expect(AxisNames.guessed(shape: [4, 201, 1024, 768]) == ["c", "z", "y", "x"])
        #expect(AxisNames.guessed(shape: [9, 201, 1024, 768]) == nil)
        #expect(AxisNames.guessed(shape: [3, 1024, 768]) == nil)
        #expect(AxisNames.defaults(shape: [2, 3, 201, 1024, 768]) == ["t", "c", "z", "y", "x"])
        #expect(AxisNames.defaults(shape: [20, 201, 1024, 768]) == ["t", "z", "y", "x"])
    }
}
