//! Python objects as a document the flattener walks in place ([`Node`]): no copy into
//! an engine tree, no allocation per value, strings read from Python's own UTF-8 cache.
//!
//! Dicts (and subclasses) are objects, lists and tuples arrays, `str`, `int`, `float`,
//! `bool` and `None` the scalars; any other object is its `str()` (as 1.0.6 casts it).
//! Keys must be strings (1.0.6 fails such a record in every recovery mode). Nesting
//! deeper than [`MAX_NESTING`] (a dict that contains itself, say) fails the record
//! instead of the stack.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::c_char;
use std::marker::PhantomData;
use std::ptr::addr_of_mut;

use pyo3::ffi;
use pyo3::prelude::*;
use transmog_core::{Node, NodeError, Tape, View};

/// Nesting deeper than this fails the record.
pub const MAX_NESTING: u32 = 512;

// In the stable ABI since 3.10, exported by CPython since 3.3: declared here so the
// abi3 wheel for 3.9 can use it too.
extern "C" {
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut ffi::PyObject,
        size: *mut ffi::Py_ssize_t,
    ) -> *const c_char;
}

/// A problem met while walking that a view cannot return (a failing `str()`, a lone
/// surrogate, nesting too deep): the first one is kept and fails the record.
#[derive(Default)]
pub struct Trouble(RefCell<Option<String>>);

impl Trouble {
    fn note(&self, what: impl FnOnce() -> String) {
        let mut slot = self.0.borrow_mut();
        if slot.is_none() {
            *slot = Some(what());
        }
    }

    /// Takes the problem noted since the last call.
    pub fn take(&self) -> Option<String> {
        self.0.borrow_mut().take()
    }
}

/// A Python object, borrowed for `'a` (the GIL is held and the record alive meanwhile).
#[derive(Clone, Copy)]
pub struct PyNode<'a> {
    obj: *mut ffi::PyObject,
    depth: u32,
    trouble: &'a Trouble,
    _life: PhantomData<&'a ()>,
}

impl<'a> PyNode<'a> {
    /// The node of `obj`, which must stay alive, with the GIL held, for `'a`.
    pub fn new(obj: &'a Bound<'_, PyAny>, trouble: &'a Trouble) -> Self {
        PyNode {
            obj: obj.as_ptr(),
            depth: 0,
            trouble,
            _life: PhantomData,
        }
    }

    fn child(&self, obj: *mut ffi::PyObject) -> Self {
        PyNode {
            obj,
            depth: self.depth + 1,
            trouble: self.trouble,
            _life: PhantomData,
        }
    }

    /// The UTF-8 text of a `str`, borrowed from the object.
    fn utf8(&self, obj: *mut ffi::PyObject) -> Option<&'a str> {
        let mut len: ffi::Py_ssize_t = 0;
        // SAFETY: `obj` is a live str (checked by the caller) and the GIL is held; the
        // buffer is owned by the object, which outlives 'a.
        unsafe {
            let data = PyUnicode_AsUTF8AndSize(obj, &mut len);
            if data.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            let bytes = std::slice::from_raw_parts(data.cast::<u8>(), len as usize);
            Some(std::str::from_utf8_unchecked(bytes))
        }
    }

    fn text(&self, obj: *mut ffi::PyObject) -> Cow<'a, str> {
        match self.utf8(obj) {
            Some(s) => Cow::Borrowed(s),
            None => {
                self.trouble
                    .note(|| "a string is not valid Unicode (a lone surrogate)".to_string());
                Cow::Borrowed("")
            }
        }
    }

    /// `str(obj)`, for objects that are not JSON types.
    fn str_of(&self, obj: *mut ffi::PyObject) -> Cow<'a, str> {
        let _held = Held::new(obj);
        // SAFETY: GIL held; the new reference is released before returning.
        unsafe {
            let s = ffi::PyObject_Str(obj);
            if s.is_null() {
                ffi::PyErr_Clear();
                self.trouble
                    .note(|| "an object's str() raised an exception".to_string());
                return Cow::Borrowed("");
            }
            let out = match self.utf8(s) {
                Some(t) => Cow::Owned(t.to_owned()),
                None => {
                    self.trouble
                        .note(|| "an object's str() is not valid Unicode".to_string());
                    Cow::Borrowed("")
                }
            };
            ffi::Py_DecRef(s);
            out
        }
    }
}

/// A strong reference for as long as a walk uses an object: `str()` of a value runs
/// Python code, which could otherwise free a container being walked.
struct Held(*mut ffi::PyObject);

impl Held {
    fn new(obj: *mut ffi::PyObject) -> Held {
        // SAFETY: `obj` is live and the GIL is held (the walk runs with it).
        unsafe { ffi::Py_IncRef(obj) };
        Held(obj)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // SAFETY: our own reference, dropped during the walk, with the GIL held.
        unsafe { ffi::Py_DecRef(self.0) };
    }
}

/// Entries of a dict, in insertion order.
pub struct Entries<'a> {
    node: PyNode<'a>,
    pos: ffi::Py_ssize_t,
    _held: Held,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<(&'a str, PyNode<'a>), NodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: the node is a live dict; PyDict_Next returns borrowed references.
        let more = unsafe { ffi::PyDict_Next(self.node.obj, &mut self.pos, &mut key, &mut value) };
        if more == 0 {
            return None;
        }
        Some(self.node.key(key).map(|k| (k, self.node.child(value))))
    }
}

impl<'a> PyNode<'a> {
    /// The text of a dict key `key` (live, borrowed from a dict of this node's record).
    fn key(&self, key: *mut ffi::PyObject) -> Result<&'a str, NodeError> {
        // SAFETY: `key` is a live object, the GIL is held. The exact type first: under
        // the stable ABI the subtype check is a function call.
        let is_str = unsafe {
            ffi::Py_TYPE(key) == addr_of_mut!(ffi::PyUnicode_Type) || ffi::PyUnicode_Check(key) != 0
        };
        if !is_str {
            let shown = self.str_of(key);
            return Err(NodeError(format!("dictionary key {shown} is not a string")));
        }
        self.utf8(key).ok_or_else(|| {
            NodeError("a dictionary key is not valid Unicode (a lone surrogate)".into())
        })
    }
}

/// Writes a record onto a tape. Dicts, lists, `str`, `int`, `float`, `bool` and `None`
/// of the exact types are written directly, one type comparison each (a third of
/// `process(list)`'s time is this walk, done by one thread holding the GIL); anything
/// else goes through the generic [`Tape::node`] walk of [`PyNode`], which has the same
/// rules.
pub fn write(tape: &mut Tape, n: PyNode<'_>) -> Result<(), NodeError> {
    let o = n.obj;
    if n.depth > MAX_NESTING {
        return tape.node(n);
    }
    // SAFETY: `o` is a live object and the GIL is held; containers are held while their
    // items are written (writing a value of another type may run Python code).
    unsafe {
        let ty = ffi::Py_TYPE(o);
        if ty == addr_of_mut!(ffi::PyUnicode_Type) {
            match n.utf8(o) {
                Some(s) if transmog_core::tape::fits(s).is_ok() => tape.str(s),
                _ => return tape.node(n),
            }
        } else if ty == addr_of_mut!(ffi::PyDict_Type) {
            let _held = Held::new(o);
            tape.begin_object();
            let (mut pos, mut len) = (0, 0);
            let mut key: *mut ffi::PyObject = std::ptr::null_mut();
            let mut value: *mut ffi::PyObject = std::ptr::null_mut();
            while ffi::PyDict_Next(o, &mut pos, &mut key, &mut value) != 0 {
                let k = n.key(key)?;
                transmog_core::tape::fits(k)?;
                tape.key(k);
                write(tape, n.child(value))?;
                len += 1;
            }
            tape.end(len);
        } else if ty == addr_of_mut!(ffi::PyFloat_Type) {
            tape.float(ffi::PyFloat_AsDouble(o));
        } else if ty == addr_of_mut!(ffi::PyLong_Type) {
            match n.int(o) {
                View::Int(i) => tape.int(i),
                View::BigInt(digits) => {
                    transmog_core::tape::fits(&digits)?;
                    tape.big_int(&digits);
                }
                _ => return tape.node(n),
            }
        } else if ty == addr_of_mut!(ffi::PyBool_Type) {
            tape.bool(o == ffi::Py_True());
        } else if o == ffi::Py_None() {
            tape.null();
        } else if ty == addr_of_mut!(ffi::PyList_Type) {
            let _held = Held::new(o);
            tape.begin_array();
            let mut len = 0;
            for i in 0..ffi::PyList_Size(o).max(0) {
                let item = ffi::PyList_GetItem(o, i);
                if item.is_null() {
                    // A list shortened meanwhile (by a str() of one of its items).
                    ffi::PyErr_Clear();
                    break;
                }
                write(tape, n.child(item))?;
                len += 1;
            }
            tape.end(len);
        } else {
            return tape.node(n);
        }
    }
    Ok(())
}

/// Items of a list or tuple.
pub struct Items<'a> {
    node: PyNode<'a>,
    index: ffi::Py_ssize_t,
    len: ffi::Py_ssize_t,
    tuple: bool,
    _held: Held,
}

impl<'a> Iterator for Items<'a> {
    type Item = PyNode<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.index >= self.len {
            return None;
        }
        // SAFETY: index within bounds of a live list/tuple; borrowed references.
        let item = unsafe {
            if self.tuple {
                ffi::PyTuple_GetItem(self.node.obj, self.index)
            } else {
                ffi::PyList_GetItem(self.node.obj, self.index)
            }
        };
        self.index += 1;
        if item.is_null() {
            // A list shortened meanwhile (by a str() of one of its items).
            unsafe { ffi::PyErr_Clear() };
            return None;
        }
        Some(self.node.child(item))
    }
}

impl<'a> PyNode<'a> {
    /// SAFETY (callers): `o` is a live dict (or subclass), GIL held.
    unsafe fn object(self, o: *mut ffi::PyObject) -> View<'a, Self> {
        View::Object {
            len: ffi::PyDict_Size(o).max(0) as usize,
            entries: Entries {
                node: self,
                pos: 0,
                _held: Held::new(o),
            },
        }
    }

    /// SAFETY (callers): `o` is a live list (`tuple` false) or tuple, GIL held.
    unsafe fn array(self, o: *mut ffi::PyObject, tuple: bool) -> View<'a, Self> {
        let len = if tuple {
            ffi::PyTuple_Size(o)
        } else {
            ffi::PyList_Size(o)
        };
        View::Array {
            len: len.max(0) as usize,
            items: Items {
                node: self,
                index: 0,
                len,
                tuple,
                _held: Held::new(o),
            },
        }
    }

    /// SAFETY (callers): `o` is a live int (or subclass), GIL held.
    unsafe fn int(self, o: *mut ffi::PyObject) -> View<'a, Self> {
        let mut overflow = 0;
        let v = ffi::PyLong_AsLongLongAndOverflow(o, &mut overflow);
        if overflow == 0 && (v != -1 || ffi::PyErr_Occurred().is_null()) {
            return View::Int(v);
        }
        ffi::PyErr_Clear();
        View::BigInt(self.str_of(o))
    }
}

impl<'a> Node<'a> for PyNode<'a> {
    type Entries = Entries<'a>;
    type Items = Items<'a>;

    fn view(self) -> View<'a, Self> {
        let o = self.obj;
        if self.depth > MAX_NESTING {
            self.trouble
                .note(|| format!("the record is nested deeper than {MAX_NESTING} levels"));
            return View::Null;
        }
        // SAFETY: `o` is a live object and the GIL is held. Exact types first (one
        // pointer comparison each, what JSON-like data is made of); subclasses through
        // the subtype checks after.
        unsafe {
            let ty = ffi::Py_TYPE(o);
            if ty == addr_of_mut!(ffi::PyUnicode_Type) {
                return View::Str(self.text(o));
            }
            if ty == addr_of_mut!(ffi::PyDict_Type) {
                return self.object(o);
            }
            if ty == addr_of_mut!(ffi::PyFloat_Type) {
                return View::Float(ffi::PyFloat_AsDouble(o));
            }
            if ty == addr_of_mut!(ffi::PyLong_Type) {
                return self.int(o);
            }
            if ty == addr_of_mut!(ffi::PyBool_Type) {
                return View::Bool(o == ffi::Py_True());
            }
            if ty == addr_of_mut!(ffi::PyList_Type) {
                return self.array(o, false);
            }
            if o == ffi::Py_None() {
                return View::Null;
            }
            if ffi::PyUnicode_Check(o) != 0 {
                return View::Str(self.text(o));
            }
            if ffi::PyDict_Check(o) != 0 {
                return self.object(o);
            }
            if ffi::PyBool_Check(o) != 0 {
                return View::Bool(o == ffi::Py_True());
            }
            if ffi::PyLong_Check(o) != 0 {
                return self.int(o);
            }
            if ffi::PyFloat_Check(o) != 0 {
                return View::Float(ffi::PyFloat_AsDouble(o));
            }
            if ffi::PyList_Check(o) != 0 {
                return self.array(o, false);
            }
            if ffi::PyTuple_Check(o) != 0 {
                return self.array(o, true);
            }
        }
        View::Str(self.str_of(o))
    }
}
