// A workout for small JavaScript engines (Duktape, MuJS) in tern's
// real-program suite (tests/programs). ECMAScript 5 only, so one script
// serves both. Each engine's output under Tern is compared with the same
// engine built natively, so nothing here prints times, random numbers,
// local-time dates or full-precision libm results. The wasm builds have no
// setjmp (a throw aborts, see common/include/setjmp.h): nothing throws.

function emit() {
  var parts = [];
  for (var i = 0; i < arguments.length; i++) parts.push(String(arguments[i]));
  print(parts.join(" "));
}

function sortedKeys(o) {
  var ks = [];
  for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ks.push(k);
  ks.sort();
  return ks;
}

// 1. Numbers -------------------------------------------------------------------
emit("num", 0.1 + 0.2, 1 / 3, 100 / 3, 1e21, 1e-7, 123456789012345680000, -0, 5e-324, 1.7976931348623157e308);
emit("int", 0x7fffffff + 1, (0x7fffffff + 1) | 0, -1 >>> 0, -1 >>> 28, 1 << 31, 5 & 3, 5 | 3, 5 ^ 3, ~5);
emit("fixed", (1.005).toFixed(2), (123.456).toFixed(1), (0.000001234).toFixed(8), (1e21).toFixed(2), (-1.5).toFixed(0));
emit("prec", (123.456).toPrecision(4), (0.00012345).toPrecision(2), (123456).toPrecision(2), (Math.PI).toPrecision(10));
emit("exp", (123456).toExponential(2), (0.00015).toExponential(1), (1).toExponential(3));
emit("radix", (255).toString(16), (255).toString(2), (-255).toString(36), (0.5).toString(2), parseInt("zz", 36));
emit("parse", parseInt("  42px"), parseFloat("3.14abc"), Number("0x1F"), Number(""), Number("12e3"), isNaN(Number("x")));
emit("math", Math.floor(-3.5), Math.ceil(-3.5), Math.round(2.5), Math.round(-2.5), Math.abs(-7),
     Math.max(1, 9, 3), Math.min(), Math.sqrt(2), Math.pow(2, 53) + 1);
emit("trig", Math.sin(1).toFixed(6), Math.cos(2).toFixed(6), Math.exp(1).toFixed(6), Math.log(10).toFixed(6),
     Math.atan2(1, 1).toFixed(6));

// 2. Strings and regular expressions ------------------------------------------------
var text = "It was the best of times, it was the worst of times, it was the age of wisdom, " +
  "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, " +
  "it was the season of Light, it was the season of Darkness, it was the spring of hope, " +
  "it was the winter of despair.";
var freq = {};
var words = text.toLowerCase().match(/[a-z]+/g);
for (var i = 0; i < words.length; i++) freq[words[i]] = (freq[words[i]] || 0) + 1;
var uniq = sortedKeys(freq);
uniq.sort(function (a, b) { return freq[b] - freq[a] || (a < b ? -1 : a > b ? 1 : 0); });
emit("words", words.length, uniq.length, uniq.slice(0, 6).map(function (w) { return w + "=" + freq[w]; }).join(" "));
emit("replace", text.replace(/(\w+) of (\w+)/g, "$2-$1").substring(0, 70));
emit("replacefn", "a1b22c333".replace(/\d+/g, function (m) { return "<" + m.length + ">"; }));
var re = /(\d{4})-(\d{2})-(\d{2})/;
var m = re.exec("date: 2023-11-05 end");
emit("exec", m[0], m[1], m[2], m[3], m.index);
var g = /o/g, count = 0;
while (g.exec("foo boo zoo")) count++;
emit("global", count, g.lastIndex);
emit("split", "a,b,,c".split(","), "a1b2c3".split(/\d/), "abc".split(""), "x".split(",").length);
emit("test", /^[\w.]+@\w+\.\w+$/.test("someone@example.org"), /colou?r/i.test("COLOR"), /\bcat\b/.test("concat"));
emit("str", "Hello".charAt(1), "Hello".charCodeAt(1), String.fromCharCode(74, 83), "abc".indexOf("c"),
     "abcabc".lastIndexOf("b"), " pad ".trim() + "|", "Mixed".toUpperCase(), "x".concat("y", 1));
emit("slice", "javascript".slice(4), "javascript".slice(-6, -2), "javascript".substring(6, 2));
emit("unicode", "h\u00e9llo".length, "\u20ac".charCodeAt(0), encodeURIComponent("a b&c/\u00e9"), decodeURIComponent("%E2%82%AC"));
var sb = [];
for (i = 0; i < 3000; i++) sb.push(String.fromCharCode(97 + i % 26));
var joined = sb.join("");
emit("join", joined.length, joined.substring(0, 30), joined.split("z").length);

// 3. Arrays ----------------------------------------------------------------------
var nums = [];
for (i = 0; i < 20000; i++) nums.push((i * 7919) % 20011);
nums.sort(function (a, b) { return a - b; });
var ok = true;
for (i = 1; i < nums.length; i++) if (nums[i - 1] > nums[i]) ok = false;
emit("sort", ok, nums[0], nums[10000], nums[19999]);
var recs = [];
for (i = 0; i < 2000; i++) recs.push({ id: i, score: (i * 37) % 101, name: "n" + ((i * 7) % 13) });
recs.sort(function (a, b) { return b.score - a.score || a.id - b.id; });
emit("records", recs.slice(0, 5).map(function (r) { return r.id + ":" + r.score; }).join(" "));
var arr = [5, 1, 4];
arr.push(9, 2); arr.unshift(0); arr.splice(2, 1, "x", "y");
emit("mutate", arr.join(","), arr.pop(), arr.shift(), arr.length, arr.reverse().join(""));
emit("functional",
     [1, 2, 3, 4, 5].map(function (x) { return x * x; }).join(","),
     [1, 2, 3, 4, 5, 6].filter(function (x) { return x % 2; }).join(","),
     [1, 2, 3, 4].reduce(function (a, b) { return a + b; }, 10),
     [1, 2, 3].reduceRight(function (a, b) { return a + "" + b; }),
     [3, 4, 5].some(function (x) { return x > 4; }), [3, 4, 5].every(function (x) { return x > 4; }),
     [1, 2, 3, 2].indexOf(2), [1, 2, 3, 2].lastIndexOf(2), Array.isArray([]), [1, [2, [3]]].toString());
emit("concat", [1, 2].concat([3], 4, [[5]]).length, [1, 2, 3].slice(-2).join(), new Array(5).length, [, , 1].length);

// 4. Objects, prototypes, closures --------------------------------------------------
function Animal(name, sound) { this.name = name; this.sound = sound; }
Animal.prototype.speak = function () { return this.name + " says " + this.sound; };
function Dog(name) { Animal.call(this, name, "woof"); }
Dog.prototype = Object.create(Animal.prototype);
Dog.prototype.constructor = Dog;
Dog.prototype.fetch = function () { return this.name + " fetches"; };
var d = new Dog("Rex");
emit("proto", d.speak(), d.fetch(), d instanceof Dog, d instanceof Animal, Object.getPrototypeOf(d) === Dog.prototype);

function counter(step) { var n = 0; return function () { n += step; return n; }; }
var c1 = counter(1), c2 = counter(10);
c1(); c1(); c2();
emit("closure", c1(), c2());
var adders = [];
for (i = 0; i < 5; i++) adders.push((function (k) { return function (x) { return x + k; }; })(i));
emit("iife", adders.map(function (f) { return f(100); }).join(","));

var obj = {};
Object.defineProperty(obj, "hidden", { value: 42, enumerable: false });
Object.defineProperty(obj, "computed", { get: function () { return this.hidden * 2; }, enumerable: true });
obj.plain = "p";
emit("props", sortedKeys(obj).join(","), obj.hidden, obj.computed, Object.keys(obj).length,
     JSON.stringify(Object.getOwnPropertyDescriptor(obj, "hidden")));
var frozen = Object.freeze({ a: 1 });
frozen.a = 2;
emit("freeze", frozen.a, Object.isFrozen(frozen), Object.isExtensible(frozen));
emit("bind", (function (a, b) { return this.base + a + b; }).bind({ base: 100 }, 1)(2),
     Math.max.apply(null, [3, 8, 1]), Array.prototype.slice.call({ 0: "a", 1: "b", length: 2 }).join(""));

// 5. JSON ------------------------------------------------------------------------
var data = { name: "tern", list: [1, 2.5, -3e-7, true, null, "s\"q\n"], nested: { a: { b: { c: [] } } }, n: 1e21 };
var json = JSON.stringify(data);
emit("json", json);
emit("json2", JSON.stringify(JSON.parse(json)) === json, JSON.stringify([new Error("e").message, undefined, function () {}]));
emit("json3", JSON.stringify({ b: 2, a: [1, { c: 3 }] }, null, 2).split("\n").length,
     JSON.stringify({ k: 1, skip: 2 }, ["k"]), JSON.stringify("\u2028\u0001"));
var revived = JSON.parse('{"x": 1, "y": [2, 3], "z": {"w": 4}}', function (k, v) { return typeof v === "number" ? v * 10 : v; });
emit("revive", revived.x, revived.y.join(), revived.z.w);

// 6. Dates in UTC only --------------------------------------------------------------
var t0 = Date.UTC(2000, 0, 1, 12, 30, 15, 250);
var dt = new Date(t0);
emit("date", t0, dt.toISOString(), dt.getUTCDay(), dt.getUTCFullYear(), new Date(t0 + 86400000 * 366).toISOString());
emit("dateparse", Date.parse("2021-03-04T05:06:07.000Z"), new Date(0).toISOString(), JSON.stringify(new Date(1e12)));

// 7. Algorithms ----------------------------------------------------------------------
var N = 100000, composite = [], primes = 0, last = 0;
for (var n = 2; n <= N; n++) {
  if (!composite[n]) {
    primes++; last = n;
    for (var k = n * n; k <= N; k += n) composite[k] = true;
  }
}
emit("sieve", primes, last);

function queens(size) {
  var count = 0, cols = [], d1 = [], d2 = [];
  function place(r) {
    if (r === size) { count++; return; }
    for (var c = 0; c < size; c++) {
      if (!cols[c] && !d1[r + c] && !d2[r - c + size]) {
        cols[c] = d1[r + c] = d2[r - c + size] = true;
        place(r + 1);
        cols[c] = d1[r + c] = d2[r - c + size] = false;
      }
    }
  }
  place(0);
  return count;
}
emit("queens", queens(6), queens(7));

var rows = [];
for (var y = -10; y <= 10; y++) {
  var row = "";
  for (var x = -30; x <= 15; x++) {
    var cr = x / 15, ci = y / 8, zr = 0, zi = 0, it = 0;
    while (it < 50 && zr * zr + zi * zi < 4) {
      var tr = zr * zr - zi * zi + cr;
      zi = 2 * zr * zi + ci;
      zr = tr;
      it++;
    }
    row += " .:-=+*#%@".charAt(it % 10);
  }
  rows.push(row);
}
print(rows.join("\n"));

function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
emit("fib", fib(20));
var h = 2166136261;
for (i = 0; i < joined.length; i++) {
  h ^= joined.charCodeAt(i);
  h = (h * 16777619) >>> 0;
  h = ((h & 0xffff) * 16777619 + (((h >>> 16) * 16777619 & 0xffff) << 16)) >>> 0;
}
emit("hash", h);
var collatzMax = 0, collatzArg = 0;
for (var s = 1; s < 5000; s++) {
  var v = s, steps = 0;
  while (v !== 1) { v = v % 2 === 0 ? v / 2 : 3 * v + 1; steps++; }
  if (steps > collatzMax) { collatzMax = steps; collatzArg = s; }
}
emit("collatz", collatzArg, collatzMax);
var ev = eval("(function (a) { return a * 3; })")(14);
var fn = new Function("a", "b", "return a + '-' + b;");
emit("eval", ev, fn("x", "y"), typeof print, typeof null, typeof undefined, typeof {}, void 0);
print("done");
