//! Python value types of the exchange: enums, reports, orders, books and events.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use pybet_core::ladder;
use pybet_core::types::{OrderType, Persistence, Side, Tick, TimeInForce};

use crate::errors::{InvalidArgument, InvalidPrice};

/// Back or lay.
#[pyclass(name = "Side", module = "pybet", eq, eq_int, frozen, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum PySide {
    BACK = 0,
    LAY = 1,
}

/// Time in force.
#[pyclass(name = "TimeInForce", module = "pybet", eq, eq_int, frozen, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum PyTimeInForce {
    GTC = 0,
    IOC = 1,
    FOK = 2,
}

/// Persistence into in-play.
#[pyclass(name = "Persistence", module = "pybet", eq, eq_int, frozen, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
#[allow(non_camel_case_types)]
pub enum PyPersistence {
    LAPSE = 0,
    PERSIST = 1,
    MARKET_ON_CLOSE = 2,
}

/// An exchange order, or a starting-price bet.
#[pyclass(name = "OrderType", module = "pybet", eq, eq_int, frozen, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms, non_camel_case_types)]
pub enum PyOrderType {
    LIMIT = 0,
    MARKET_ON_CLOSE = 1,
    LIMIT_ON_CLOSE = 2,
}

impl PyOrderType {
    pub fn name_of(t: PyOrderType) -> &'static str {
        match t {
            PyOrderType::LIMIT => "LIMIT",
            PyOrderType::MARKET_ON_CLOSE => "MARKET_ON_CLOSE",
            PyOrderType::LIMIT_ON_CLOSE => "LIMIT_ON_CLOSE",
        }
    }

    pub fn from_core(t: OrderType) -> Self {
        match t {
            OrderType::Limit => PyOrderType::LIMIT,
            OrderType::MarketOnClose => PyOrderType::MARKET_ON_CLOSE,
            OrderType::LimitOnClose => PyOrderType::LIMIT_ON_CLOSE,
        }
    }
}

/// An order type from the enum, its name or its value.
pub fn extract_order_type(value: &Bound<'_, PyAny>) -> PyResult<OrderType> {
    if let Ok(t) = value.cast::<PyOrderType>().map(|b| *b.get()) {
        return Ok(match t {
            PyOrderType::LIMIT => OrderType::Limit,
            PyOrderType::MARKET_ON_CLOSE => OrderType::MarketOnClose,
            PyOrderType::LIMIT_ON_CLOSE => OrderType::LimitOnClose,
        });
    }
    match enum_name(value).as_deref() {
        Some("LIMIT") => return Ok(OrderType::Limit),
        Some("MARKET_ON_CLOSE") => return Ok(OrderType::MarketOnClose),
        Some("LIMIT_ON_CLOSE") => return Ok(OrderType::LimitOnClose),
        _ => {}
    }
    match value.extract::<u8>().ok().and_then(OrderType::from_u8) {
        Some(t) if !value.is_instance_of::<pyo3::types::PyBool>() => Ok(t),
        _ => Err(InvalidArgument::new_err(format!(
            "not an order type: {value}"
        ))),
    }
}

/// A market's status.
#[pyclass(name = "MarketStatus", module = "pybet", eq, eq_int, frozen, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum PyMarketStatus {
    INACTIVE = 0,
    OPEN = 1,
    SUSPENDED = 2,
    CLOSED = 3,
}

/// An order's status.
#[pyclass(name = "OrderStatus", module = "pybet", eq, eq_int, frozen, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms, non_camel_case_types)]
pub enum PyOrderStatus {
    PENDING = 0,
    EXECUTABLE = 1,
    EXECUTION_COMPLETE = 2,
    REJECTED = 3,
}

impl PySide {
    pub fn core(self) -> Side {
        match self {
            PySide::BACK => Side::Back,
            PySide::LAY => Side::Lay,
        }
    }
    pub fn from_core(side: Side) -> Self {
        match side {
            Side::Back => PySide::BACK,
            Side::Lay => PySide::LAY,
        }
    }
}

impl PyMarketStatus {
    pub fn from_core(s: pybet_core::MarketStatus) -> Self {
        match s {
            pybet_core::MarketStatus::Inactive => PyMarketStatus::INACTIVE,
            pybet_core::MarketStatus::Open => PyMarketStatus::OPEN,
            pybet_core::MarketStatus::Suspended => PyMarketStatus::SUSPENDED,
            pybet_core::MarketStatus::Closed => PyMarketStatus::CLOSED,
        }
    }
}

impl PyOrderStatus {
    pub fn from_core(s: Option<pybet_core::OrderStatus>) -> Self {
        match s {
            Some(pybet_core::OrderStatus::Pending) => PyOrderStatus::PENDING,
            Some(pybet_core::OrderStatus::Executable) => PyOrderStatus::EXECUTABLE,
            Some(pybet_core::OrderStatus::ExecutionComplete) => PyOrderStatus::EXECUTION_COMPLETE,
            None => PyOrderStatus::REJECTED,
        }
    }
}

fn enum_name(value: &Bound<'_, PyAny>) -> Option<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Some(s.to_string().to_ascii_uppercase());
    }
    None
}

/// A side from `Side`, `"BACK"`/`"LAY"` or 0/1.
pub fn extract_side(value: &Bound<'_, PyAny>) -> PyResult<Side> {
    if let Ok(s) = value.cast::<PySide>().map(|b| *b.get()) {
        return Ok(s.core());
    }
    match enum_name(value).as_deref() {
        Some("BACK") | Some("B") => return Ok(Side::Back),
        Some("LAY") | Some("L") => return Ok(Side::Lay),
        _ => {}
    }
    match value.extract::<i64>() {
        Ok(0) => Ok(Side::Back),
        Ok(1) => Ok(Side::Lay),
        _ => Err(InvalidArgument::new_err(format!("not a side: {value}"))),
    }
}

/// A time in force from the enum, its name or its value.
pub fn extract_tif(value: &Bound<'_, PyAny>) -> PyResult<TimeInForce> {
    if let Ok(t) = value.cast::<PyTimeInForce>().map(|b| *b.get()) {
        return Ok(match t {
            PyTimeInForce::GTC => TimeInForce::Gtc,
            PyTimeInForce::IOC => TimeInForce::Ioc,
            PyTimeInForce::FOK => TimeInForce::Fok,
        });
    }
    let name = enum_name(value).or_else(|| {
        value.extract::<i64>().ok().map(|v| {
            match v {
                0 => "GTC",
                1 => "IOC",
                2 => "FOK",
                _ => "?",
            }
            .to_owned()
        })
    });
    match name.as_deref() {
        Some("GTC") => Ok(TimeInForce::Gtc),
        Some("IOC") => Ok(TimeInForce::Ioc),
        Some("FOK") => Ok(TimeInForce::Fok),
        _ => Err(InvalidArgument::new_err(format!(
            "not a time in force: {value}"
        ))),
    }
}

/// A persistence from the enum, its name or its value.
pub fn extract_persistence(value: &Bound<'_, PyAny>) -> PyResult<Persistence> {
    if let Ok(p) = value.cast::<PyPersistence>().map(|b| *b.get()) {
        return Ok(match p {
            PyPersistence::LAPSE => Persistence::Lapse,
            PyPersistence::PERSIST => Persistence::Persist,
            PyPersistence::MARKET_ON_CLOSE => Persistence::MarketOnClose,
        });
    }
    match enum_name(value).as_deref() {
        Some("LAPSE") => return Ok(Persistence::Lapse),
        Some("PERSIST") => return Ok(Persistence::Persist),
        Some("MARKET_ON_CLOSE") => return Ok(Persistence::MarketOnClose),
        _ => {}
    }
    match value.extract::<i64>() {
        Ok(0) => Ok(Persistence::Lapse),
        Ok(1) => Ok(Persistence::Persist),
        Ok(2) => Ok(Persistence::MarketOnClose),
        _ => Err(InvalidArgument::new_err(format!(
            "not a persistence: {value}"
        ))),
    }
}

/// A price given as `str`, `float`, `int` or `decimal.Decimal`, converted exactly to a tick.
pub fn extract_tick(value: &Bound<'_, PyAny>) -> PyResult<Tick> {
    let text: String = if let Ok(s) = value.cast::<PyString>() {
        s.to_string()
    } else if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(InvalidPrice::new_err(format!("not a price: {value}")));
    } else if let Ok(f) = value.cast::<pyo3::types::PyFloat>() {
        let x = f.value();
        return ladder::float_to_tick(x).ok_or_else(|| {
            InvalidPrice::new_err(format!("price {x} is not on the betting ladder"))
        });
    } else if value.is_instance_of::<pyo3::types::PyInt>() {
        // repr() of a float is the shortest string that round-trips: 2.5 -> "2.5".
        value.repr()?.to_string()
    } else if value.get_type().name()? == "Decimal" {
        value.str()?.to_string()
    } else {
        return Err(InvalidPrice::new_err(format!(
            "not a price: {}",
            value.repr()?
        )));
    };
    ladder::parse_tick(&text)
        .ok_or_else(|| InvalidPrice::new_err(format!("price {text} is not on the betting ladder")))
}

/// A tick's price as a float (exactly the ladder's decimal when printed).
pub fn tick_price(tick: Tick) -> f64 {
    pybet_core::feed::tick_price(tick)
}

/// One fill of a place report.
#[pyclass(name = "FillReport", module = "pybet", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub struct PyFillReport {
    pub maker_order: u64,
    pub maker_account: String,
    pub price: f64,
    pub tick: u16,
    pub size: i64,
}

#[pymethods]
impl PyFillReport {
    fn __repr__(&self) -> String {
        format!(
            "FillReport(maker_order={}, price={}, size={})",
            self.maker_order,
            ladder::format_price(ladder::TICKS[usize::from(self.tick)]),
            self.size
        )
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("maker_order", self.maker_order)?;
        d.set_item("maker_account", &self.maker_account)?;
        d.set_item("price", self.price)?;
        d.set_item("tick", self.tick)?;
        d.set_item("size", self.size)?;
        Ok(d)
    }
}

/// The outcome of `place`, `replace` or a bet-delay release.
#[pyclass(name = "PlaceReport", module = "pybet", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub struct PyPlaceReport {
    pub order_id: u64,
    pub market_id: String,
    pub runner: i64,
    pub side: PySide,
    pub price: f64,
    pub tick: u16,
    pub size: i64,
    pub status: PyOrderStatus,
    pub size_matched: i64,
    pub size_remaining: i64,
    pub size_cancelled: i64,
    pub fills: Vec<PyFillReport>,
    pub reject_code: Option<String>,
    pub client_order_id: Option<String>,
}

#[pymethods]
impl PyPlaceReport {
    /// True when the order was accepted.
    #[getter]
    fn accepted(&self) -> bool {
        self.reject_code.is_none()
    }
    fn __repr__(&self) -> String {
        format!(
            "PlaceReport(order_id={}, status={}, size_matched={}, size_remaining={}, size_cancelled={}, fills={}, reject_code={})",
            self.order_id,
            order_status_name(self.status),
            self.size_matched,
            self.size_remaining,
            self.size_cancelled,
            self.fills.len(),
            py_opt(&self.reject_code)
        )
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("order_id", self.order_id)?;
        d.set_item("market_id", &self.market_id)?;
        d.set_item("runner", self.runner)?;
        d.set_item("side", side_name(self.side))?;
        d.set_item("price", self.price)?;
        d.set_item("size", self.size)?;
        d.set_item("status", order_status_name(self.status))?;
        d.set_item("size_matched", self.size_matched)?;
        d.set_item("size_remaining", self.size_remaining)?;
        d.set_item("size_cancelled", self.size_cancelled)?;
        let fills: PyResult<Vec<_>> = self.fills.iter().map(|f| f.to_dict(py)).collect();
        d.set_item("fills", fills?)?;
        d.set_item("reject_code", &self.reject_code)?;
        d.set_item("client_order_id", &self.client_order_id)?;
        Ok(d)
    }
}

/// The outcome of `cancel`.
#[pyclass(name = "CancelReport", module = "pybet", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub struct PyCancelReport {
    pub order_id: u64,
    pub size_cancelled: i64,
    pub size_remaining: i64,
    pub reject_code: Option<String>,
}

#[pymethods]
impl PyCancelReport {
    fn __repr__(&self) -> String {
        format!(
            "CancelReport(order_id={}, size_cancelled={}, size_remaining={}, reject_code={})",
            self.order_id,
            self.size_cancelled,
            self.size_remaining,
            py_opt(&self.reject_code)
        )
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("order_id", self.order_id)?;
        d.set_item("size_cancelled", self.size_cancelled)?;
        d.set_item("size_remaining", self.size_remaining)?;
        d.set_item("reject_code", &self.reject_code)?;
        Ok(d)
    }
}

/// An order's current state.
#[pyclass(name = "Order", module = "pybet", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub struct PyOrder {
    pub order_id: u64,
    pub market_id: String,
    pub runner: i64,
    pub side: PySide,
    pub price: f64,
    pub tick: u16,
    pub size: i64,
    pub account: String,
    pub size_matched: i64,
    pub size_remaining: i64,
    pub size_cancelled: i64,
    pub status: PyOrderStatus,
    pub client_order_id: Option<String>,
    pub persistence: PyPersistence,
    pub time_in_force: PyTimeInForce,
    pub avg_price_matched: Option<f64>,
    pub order_type: PyOrderType,
}

#[pymethods]
impl PyOrder {
    fn __repr__(&self) -> String {
        format!(
            "Order(order_id={}, market_id={:?}, runner={}, side={}, price={}, size={}, account={:?}, size_matched={}, size_remaining={}, size_cancelled={}, status={})",
            self.order_id,
            self.market_id,
            self.runner,
            side_name(self.side),
            ladder::format_price(ladder::TICKS[usize::from(self.tick)]),
            self.size,
            self.account,
            self.size_matched,
            self.size_remaining,
            self.size_cancelled,
            order_status_name(self.status)
        )
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("order_id", self.order_id)?;
        d.set_item("market_id", &self.market_id)?;
        d.set_item("runner", self.runner)?;
        d.set_item("side", side_name(self.side))?;
        d.set_item("price", self.price)?;
        d.set_item("size", self.size)?;
        d.set_item("account", &self.account)?;
        d.set_item("size_matched", self.size_matched)?;
        d.set_item("size_remaining", self.size_remaining)?;
        d.set_item("size_cancelled", self.size_cancelled)?;
        d.set_item("status", order_status_name(self.status))?;
        d.set_item("client_order_id", &self.client_order_id)?;
        d.set_item("avg_price_matched", self.avg_price_matched)?;
        d.set_item("order_type", PyOrderType::name_of(self.order_type))?;
        Ok(d)
    }
}

/// A runner's starting-price figures: projections before the off, the SP after it.
#[pyclass(name = "StartingPrice", module = "pybet", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub struct PyStartingPrice {
    pub runner: i64,
    pub near_price: Option<f64>,
    pub far_price: Option<f64>,
    pub actual_sp: Option<f64>,
}

#[pymethods]
impl PyStartingPrice {
    /// Also readable as a mapping: `sp["near_price"]`.
    fn __getitem__(&self, key: &str) -> PyResult<Option<f64>> {
        match key {
            "near_price" => Ok(self.near_price),
            "far_price" => Ok(self.far_price),
            "actual_sp" => Ok(self.actual_sp),
            _ => Err(pyo3::exceptions::PyKeyError::new_err(key.to_owned())),
        }
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("runner", self.runner)?;
        d.set_item("near_price", self.near_price)?;
        d.set_item("far_price", self.far_price)?;
        d.set_item("actual_sp", self.actual_sp)?;
        Ok(d)
    }
    fn __repr__(&self) -> String {
        let show = |p: Option<f64>| p.map_or_else(|| "None".to_owned(), |p| format!("{p}"));
        format!(
            "StartingPrice(runner={}, near_price={}, far_price={}, actual_sp={})",
            self.runner,
            show(self.near_price),
            show(self.far_price),
            show(self.actual_sp)
        )
    }
}

/// A fixed-point price (1e-4) as a float: exact to 4 decimals.
pub fn fx_price(p: i64) -> f64 {
    pybet_core::feed::fx_price(p)
}

/// A runner's aggregated book: `(price, size)` levels, best first.
#[pyclass(name = "Book", module = "pybet", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub struct PyBook {
    pub market_id: String,
    pub runner: i64,
    pub available_to_back: Vec<(f64, i64)>,
    pub available_to_lay: Vec<(f64, i64)>,
}

#[pymethods]
impl PyBook {
    fn __repr__(&self) -> String {
        format!(
            "Book(market_id={:?}, runner={}, available_to_back={:?}, available_to_lay={:?})",
            self.market_id, self.runner, self.available_to_back, self.available_to_lay
        )
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("market_id", &self.market_id)?;
        d.set_item("runner", self.runner)?;
        d.set_item("available_to_back", self.available_to_back.clone())?;
        d.set_item("available_to_lay", self.available_to_lay.clone())?;
        Ok(d)
    }
}

/// An engine event: `seq`, `kind` (`"Fill"`, `"OrderAccepted"`, ...) and the kind's fields as
/// attributes.
#[pyclass(name = "Event", module = "pybet", frozen)]
pub struct PyEvent {
    #[pyo3(get)]
    pub seq: u64,
    #[pyo3(get)]
    pub kind: &'static str,
    pub fields: Py<PyDict>,
}

#[pymethods]
impl PyEvent {
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        match self.fields.bind(py).get_item(name)? {
            Some(v) => Ok(v.unbind()),
            None => Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                "{} event has no field {name:?}",
                self.kind
            ))),
        }
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("seq", self.seq)?;
        d.set_item("kind", self.kind)?;
        d.update(self.fields.bind(py).as_mapping())?;
        Ok(d)
    }
    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<PyEvent>() else {
            return Ok(false);
        };
        let other = other.get();
        Ok(self.seq == other.seq
            && self.kind == other.kind
            && self.fields.bind(py).eq(other.fields.bind(py))?)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let parts: PyResult<Vec<String>> = self
            .fields
            .bind(py)
            .iter()
            .map(|(k, v)| Ok(format!("{k}={}", v.repr()?)))
            .collect();
        Ok(format!(
            "{}(seq={}, {})",
            self.kind,
            self.seq,
            parts?.join(", ")
        ))
    }
}

pub fn side_name(side: PySide) -> &'static str {
    match side {
        PySide::BACK => "BACK",
        PySide::LAY => "LAY",
    }
}

pub fn order_status_name(s: PyOrderStatus) -> &'static str {
    match s {
        PyOrderStatus::PENDING => "PENDING",
        PyOrderStatus::EXECUTABLE => "EXECUTABLE",
        PyOrderStatus::EXECUTION_COMPLETE => "EXECUTION_COMPLETE",
        PyOrderStatus::REJECTED => "REJECTED",
    }
}

fn py_opt(value: &Option<String>) -> String {
    value
        .as_ref()
        .map_or_else(|| "None".to_owned(), |v| format!("'{v}'"))
}
